using System.CommandLine;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Pipelines;
using Microsoft.ML;
using Spectre.Console;

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
        var command = new Command("evaluate", "Score labeled images with a saved model (zip or ONNX, or the shipped one) and write ML.NET multiclass metrics, the Parasitized-positive binary view with 95 % intervals by patient, a report and pictures.")
        {
            model, data, groupPattern, split, part, output,
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
                RequireModel(modelPath);
                var outFolder = parse.GetValue(output)?.FullName
                    ?? Path.Combine(shipped ? Path.GetFullPath(ShippedModelReports) : Path.GetDirectoryName(modelPath)!, $"evaluate-{partName}");
                var images = splitPath is not null
                    ? [.. SplitFile.Read(splitPath).Where(e => e.Part == parse.GetValue(part)).Select(e => e.Image)]
                    : CommonOptions.LoadDataset(dataFolder!, parse.GetValue(groupPattern)).Images;
                Run(modelPath, images, partName, outFolder);
            }
            finally
            {
                if (shipped) Directory.Delete(Path.GetDirectoryName(modelPath)!, recursive: true);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Scores <paramref name="images"/> with the model and writes the report into <paramref name="outFolder"/>.</summary>
    public static EvaluationResult Run(string modelPath, IReadOnlyList<LabeledImage> images, string partName, string outFolder)
    {
        var card = RequireModel(modelPath);
        if (images.Count == 0) throw new CommandLineException($"No images to evaluate in the {partName} part.");
        var unknown = images.FirstOrDefault(i => !card.Labels.Contains(i.Label));
        if (unknown is not null) throw new CommandLineException($"Image '{unknown.Path}' has label '{unknown.Label}', which the model does not know ({string.Join(", ", card.Labels)}).");
        var missing = images.FirstOrDefault(i => !File.Exists(i.Path));
        if (missing is not null) throw new CommandLineException($"Image '{missing.Path}' does not exist.");

        if (string.Equals(card.Resizing, ModelCard.SmoothResizing, StringComparison.Ordinal))
            return Report(modelPath, card, images, partName, outFolder, ScoreWithClassifier(modelPath, card, images), new MLContext(1));

        var mlContext = new MLContext(1);
        // Zips wrapping an exported network derive PredictedLabel with this saveable mapping.
        Malaria.Inference.Models.ScoreArgMaxMapping.Register(mlContext);
        ITransformer loaded;
        try { loaded = mlContext.Model.Load(modelPath, out _); }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new CommandLineException($"Model '{modelPath}' could not be loaded: {ex.Message}", ex);
        }
        var rows = mlContext.Data.LoadFromEnumerable(images.Select(i => new Row { ImagePath = i.Path, Label = i.Label }));
        var withImages = mlContext.Transforms.LoadImages(ModelColumns.Image, null, nameof(Row.ImagePath)).Fit(rows).Transform(rows);
        var scoredView = loaded.Transform(withImages);

        ScoredSet? scored = null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"Scoring {images.Count:N0} images", maxValue: images.Count);
                    scored = ScoredSet.FromDataView(scoredView, card.Labels, ModelColumns.Label, ModelColumns.Score, n => task.Value = n);
                });
        }
        else
        {
            scored = ScoredSet.FromDataView(scoredView, card.Labels, ModelColumns.Label, ModelColumns.Score,
                n => { if (n % 500 == 0) Console.WriteLine($"scored {n:N0}/{images.Count:N0}"); });
        }
        return Report(modelPath, card, images, partName, outFolder, (scored!, watch.Elapsed), mlContext);
    }

    /// <summary>
    /// Scores through <see cref="MalariaClassifier"/>, the inference library's path, for models that need the library's
    /// own preprocessing (see <see cref="ModelCard.Resizing"/>).
    /// </summary>
    private static (ScoredSet Scored, TimeSpan Elapsed) ScoreWithClassifier(string modelPath, ModelCard card, IReadOnlyList<LabeledImage> images)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var classifier = MalariaClassifier.Load(modelPath);
        var scores = new List<float[]>(images.Count);
        foreach (var chunk in images.Chunk(256))
        {
            scores.AddRange(classifier.ClassifyBatch(chunk.Select(i => i.Path)).Select(p => p.ScoreVector.ToArray()));
            Console.WriteLine($"scored {scores.Count:N0}/{images.Count:N0}");
        }
        var truth = images.Select(i => card.Labels.ToList().IndexOf(i.Label)).ToList();
        return (new ScoredSet(card.Labels, truth, scores), watch.Elapsed);
    }

    private static EvaluationResult Report(string modelPath, ModelCard card, IReadOnlyList<LabeledImage> images, string partName, string outFolder,
        (ScoredSet Scored, TimeSpan Elapsed) scoring, MLContext mlContext)
    {
        var result = ModelEvaluator.Evaluate(mlContext, scoring.Scored, card.PositiveLabel, partName, [.. images.Select(i => i.Group)]);
        string? perGroup = null;
        if (images.Select(i => i.Group).Distinct().Skip(1).Any())
        {
            var groups = GroupBreakdown.Compute(images, scoring.Scored, card.Labels.ToList().IndexOf(result.PositiveLabel));
            Directory.CreateDirectory(outFolder);
            AtomicFile.WriteAllText(Path.Combine(outFolder, GroupBreakdown.CsvFile), GroupBreakdown.ToCsv(groups));
            perGroup = GroupBreakdown.ToMarkdown(groups, result.PositiveLabel);
        }
        EvaluationReport.Write(outFolder, result, $"Evaluation of {Path.GetFileName(modelPath)}",
        [
            ("model", modelPath),
            ("trainer", card.Trainer ?? "unknown"),
            ("images", $"{images.Count:N0} ({partName})"),
            ("scoring time", $"{scoring.Elapsed.TotalSeconds:F1} s through the whole pipeline"),
        ], perGroup);
        MobileNetV2FeaturesTraining.PrintResult(result);
        AnsiConsole.MarkupLine($"Wrote metrics.json, report.md and pictures to [bold]{Markup.Escape(outFolder)}[/] ({scoring.Elapsed.TotalSeconds:F1} s).");
        return result;
    }

    /// <summary>Checks the model file and reads the card beside it, before any data is touched.</summary>
    private static ModelCard RequireModel(string modelPath)
    {
        if (!File.Exists(modelPath)) throw new CommandLineException($"Model '{modelPath}' does not exist.");
        var cardPath = ModelCard.PathBeside(modelPath);
        if (!File.Exists(cardPath)) throw new CommandLineException($"Model card '{cardPath}' is missing; it holds the labels of '{modelPath}'.");
        return ModelCard.Load(cardPath);
    }

    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
