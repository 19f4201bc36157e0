using System.CommandLine;
using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>evaluate --model FILE|default --data DIR [--split FILE --part test]</c>: scores labeled images with a saved model.zip
/// or model.onnx (the whole pipeline, images in), or with the model the inference package ships, and writes metrics.json,
/// report.md and the pictures.
/// </summary>
public static class EvaluateCommand
{
    /// <summary>The <c>--model</c> value that names the model embedded in Malaria.Inference (<c>LoadDefault()</c>'s).</summary>
    public const string ShippedModel = "default";

    /// <summary>Where the shipped model's reports go by default, relative to the working folder.</summary>
    public const string ShippedModelReports = "artifacts/default-model";

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"model.zip or model.onnx to evaluate (model.json must sit beside it), or '{ShippedModel}' for the model the inference package embeds.",
            Required = true,
        };
        var data = CommonOptions.Data(required: false);
        data.Description += " Every image is scored unless --split is given.";
        var groupPattern = CommonOptions.GroupPattern();
        var split = new Option<FileInfo?>("--split") { Description = "Split CSV; only the images of --part are scored." };
        var part = new Option<SplitPart>("--part") { Description = "Which part of --split to score.", DefaultValueFactory = _ => SplitPart.Test };
        var output = new Option<DirectoryInfo?>("--out", "-o")
        {
            Description = $"Folder for metrics.json, report.md and pictures. Default: evaluate-PART beside the model; for '{ShippedModel}', {ShippedModelReports}/evaluate-PART.",
        };
        var views = new Option<int?>("--views") { Description = "Score each image as 1 view or the mean of 8 (rotations and mirror images); default: the views the model card recommends." };
        views.AcceptOnlyFromAmong("1", "8");
        var command = new Command("evaluate", "Score labeled images with a saved model (zip or ONNX, or the shipped one) and write ML.NET multiclass metrics, the Parasitized-positive binary view with 95 % intervals by patient, a report and pictures.")
        {
            model, data, groupPattern, split, part, output, views,
        };
        command.SetAction(parse =>
        {
            var modelArgument = parse.GetRequiredValue(model);
            var shipped = string.Equals(modelArgument, ShippedModel, StringComparison.Ordinal);
            var splitPath = parse.GetValue(split)?.FullName;
            var dataFolder = parse.GetValue(data)?.FullName;
            if (splitPath is null && dataFolder is null) throw new CommandLineException("Give --data DIR or --split FILE.");
            var partName = splitPath is null ? "all" : parse.GetValue(part).ToString().ToLowerInvariant();
            // The built-in model loads from memory in the library; the evaluator reads files, so it gets a private
            // copy, deleted afterwards. Its reports go where a user looks for outputs.
            var modelPath = shipped ? BuiltInModel.WriteToPrivateFolder() : Path.GetFullPath(modelArgument);
            try
            {
                ModelEvaluation.RequireModel(modelPath);
                var outFolder = parse.GetValue(output)?.FullName
                    ?? Path.Combine(shipped ? Path.GetFullPath(ShippedModelReports) : Path.GetDirectoryName(modelPath)!, $"evaluate-{partName}");
                var images = splitPath is not null
                    ? [.. SplitFile.Read(splitPath).Where(e => e.Part == parse.GetValue(part)).Select(e => e.Image)]
                    : DatasetLoading.Load(dataFolder!, parse.GetValue(groupPattern)).Images;
                ModelEvaluation.Run(modelPath, images, partName, outFolder, parse.GetValue(views) is { } v ? (ScoringViews)v : null);
            }
            finally
            {
                if (shipped) Directory.Delete(Path.GetDirectoryName(modelPath)!, recursive: true);
            }
            return 0;
        });
        return command;
    }
}
