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
            Description = "Record in model.json that the model is meant to be scored as the mean over each image's 8 rotations and mirror images (\"views\": { \"recommended\": 8 }); the graph scores one view and the library averages 8 when asked.",
        };
        var threshold = CommonOptions.Threshold();
        var calibration = CommonOptions.Calibration();
        var command = new Command("export", "Export a TorchSharp checkpoint (CNN or MobileNetV2) to ONNX with probabilities and Grad-CAM outputs, plus an ML.NET zip wrapping it.")
        {
            checkpoint, output, labels, averageViews, threshold, calibration,
        };
        command.SetAction(parse =>
        {
            var checkpointPath = parse.GetRequiredValue(checkpoint).FullName;
            var onnxPath = parse.GetRequiredValue(output).FullName;
            if (!string.Equals(Path.GetExtension(onnxPath), ".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CommandLineException($"--out '{onnxPath}' must end in .onnx.");
            var labelList = parse.GetValue(labels)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var cut = CommonOptions.ThresholdValue(parse.GetValue(threshold));
            var calibrationPath = parse.GetValue(calibration)?.FullName;
            var calibrationFile = CommonOptions.LoadCalibration(calibrationPath, cut);
            var (files, architecture, imageSize, labelNames, labelSource) = CheckpointExport.Export(checkpointPath, onnxPath, labelList, parse.GetValue(averageViews), cut,
                calibrationFile, calibrationPath);
            AnsiConsole.MarkupLine($"Exported a [bold]{Markup.Escape(architecture)}[/] ({imageSize} px, labels {Markup.Escape(string.Join(", ", labelNames))} from {Markup.Escape(labelSource)}):");
            foreach (var file in new[] { files.Onnx, files.Zip, files.Card })
                AnsiConsole.MarkupLine($"  {Markup.Escape(file)} ({new FileInfo(file).Length:N0} bytes)");
            return 0;
        });
        return command;
    }
}
