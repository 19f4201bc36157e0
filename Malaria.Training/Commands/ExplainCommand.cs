using System.CommandLine;
using Malaria.Inference;
using Malaria.Inference.IO;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary><c>explain --model FILE --image FILE... --out DIR</c>: Grad-CAM overlays of cell images.</summary>
public static class ExplainCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Model file: model.zip or model.onnx (with model.json beside it) exported by this trainer.", Required = true };
        var images = new Option<FileInfo[]>("--image", "-i") { Description = "Cell images to explain (PNG, JPEG or BMP); repeat or list several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for the overlays (<image>.gradcam.png).", Required = true };
        var label = new Option<string?>("--label") { Description = "Explain this label instead of the predicted one (e.g. Parasitized)." };
        var command = new Command("explain", "Classify cell images and write a Grad-CAM heatmap overlay of each, showing where the evidence lies.")
        {
            model, images, output, label,
        };
        command.SetAction(parse =>
        {
            var modelPath = parse.GetRequiredValue(model).FullName;
            using var classifier = MalariaClassifier.Load(modelPath);
            if (!classifier.CanExplain)
                throw new CommandLineException($"Model '{modelPath}' has no class activation output; explain needs a network exported by this trainer (train --trainer cnn or mobilenetv2).");
            var folder = parse.GetRequiredValue(output).FullName;
            Directory.CreateDirectory(folder);
            var table = new Table().AddColumn("Image").AddColumn("Label").AddColumn(new TableColumn("Confidence").RightAligned()).AddColumn("Heatmap of").AddColumn("Overlay");
            foreach (var image in parse.GetRequiredValue(images))
            {
                var explanation = classifier.Explain(image.FullName, parse.GetValue(label));
                var overlay = Path.Combine(folder, Path.GetFileNameWithoutExtension(image.Name) + ".gradcam.png");
                AtomicFile.WriteAllBytes(overlay, explanation.ToOverlayPng());
                table.AddRow(Markup.Escape(image.Name), Markup.Escape(explanation.Prediction.Label), $"{explanation.Prediction.Confidence:P1}",
                    Markup.Escape(explanation.TargetLabel), Markup.Escape(overlay));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
