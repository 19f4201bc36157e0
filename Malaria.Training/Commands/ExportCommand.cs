using System.CommandLine;
using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Export;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary><c>export --checkpoint FILE --out FILE</c>: a TorchSharp checkpoint as model.onnx, model.zip and model.json.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<FileInfo>("--checkpoint", "-c")
        {
            Description = "checkpoint.bin of a TorchSharp run (last epoch), or best.bin / a weights file with the run's checkpoint.bin beside it.",
            Required = true,
        };
        var output = new Option<FileInfo>("--out", "-o")
        {
            Description = "ONNX file to write (e.g. model.onnx); model.zip (ML.NET) and model.json are written beside it.",
            Required = true,
        };
        var labels = new Option<string?>("--labels")
        {
            Description = "Comma-separated labels in the model's output order. Default: model.json, else split.csv (sorted), beside the checkpoint.",
        };
        var averageViews = new Option<bool>("--average-views")
        {
            Description = "Score each image as the mean over its 8 rotations and mirror images, inside the graph (8 times the work).",
        };
        var threshold = CommonOptions.Threshold();
        var command = new Command("export", "Export a TorchSharp checkpoint (CNN or MobileNetV2) to ONNX with probabilities and Grad-CAM outputs, plus an ML.NET zip wrapping it.")
        {
            checkpoint, output, labels, averageViews, threshold,
        };
        command.SetAction(parse =>
        {
            var checkpointPath = parse.GetRequiredValue(checkpoint).FullName;
            var onnxPath = parse.GetRequiredValue(output).FullName;
            if (!string.Equals(Path.GetExtension(onnxPath), ".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CommandLineException($"--out '{onnxPath}' must end in .onnx.");
            var labelList = parse.GetValue(labels)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var cut = CommonOptions.ThresholdValue(parse.GetValue(threshold));
            var (files, architecture, imageSize, labelNames, labelSource) = Export(checkpointPath, onnxPath, labelList, parse.GetValue(averageViews), cut);
            AnsiConsole.MarkupLine($"Exported a [bold]{Markup.Escape(architecture)}[/] ({imageSize} px, labels {Markup.Escape(string.Join(", ", labelNames))} from {Markup.Escape(labelSource)}):");
            foreach (var file in new[] { files.Onnx, files.Zip, files.Card })
                AnsiConsole.MarkupLine($"  {Markup.Escape(file)} ({new FileInfo(file).Length:N0} bytes)");
            return 0;
        });
        return command;
    }

    /// <summary>Exports a checkpoint to <paramref name="onnxPath"/> with the ML.NET zip and model card beside it.</summary>
    internal static (OnnxModelPackageFiles Files, string Architecture, int ImageSize, IReadOnlyList<string> Labels, string LabelSource) Export(
        string checkpointPath, string onnxPath, IReadOnlyList<string>? labels = null, bool averageViews = false, double decisionThreshold = 0.5)
    {
        var exportable = ExportableCheckpoint.Load(checkpointPath, labels);
        using var model = exportable.Model;
        var state = exportable.State;
        var existingCard = ModelCard.PathBeside(checkpointPath);
        var card = File.Exists(existingCard) ? ModelCard.Load(existingCard) : new ModelCard();
        card.Trainer ??= state.Architecture == "Cnn" ? "cnn" : $"mobilenetv2-{state.WidthMultiplier.ToString(CultureInfo.InvariantCulture)}";
        card.TrainingSeconds ??= state.TrainingSeconds;
        // TorchSharp networks train on smoothly resized images (DecodedImageSet); the classifier must resize the same way.
        card.Resizing = ModelCard.SmoothResizing;
        card.Properties ??= new Dictionary<string, string>();
        // Relative to the working folder when inside it, so a shipped card does not carry one machine's absolute paths.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, checkpointPath);
        card.Properties["exportedFrom"] = relative.StartsWith("..", StringComparison.Ordinal) ? checkpointPath : relative;
        // "epochs" stays the run's cap (compare matches runs on it); what the checkpoint holds is "epochsRun".
        card.Properties["epochsRun"] = state.EpochsDone.ToString(CultureInfo.InvariantCulture);
        if (state.WeightAverageDecay is { } decay) card.Properties["weightAverageDecay"] = decay.ToString(CultureInfo.InvariantCulture);
        var files = OnnxModelPackage.Write(model, exportable.Labels, state.ImageSize, onnxPath, card, averageViews, decisionThreshold);
        return (files, state.Architecture, state.ImageSize, exportable.Labels, exportable.LabelSource);
    }
}
