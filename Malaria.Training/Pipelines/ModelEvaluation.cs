using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Microsoft.ML;
using Spectre.Console;

namespace Malaria.Training.Pipelines;

/// <summary>
/// The evaluation stage: scores labeled images with a saved model.zip or model.onnx (the whole pipeline, images in)
/// and writes metrics.json, report.md and the pictures (<c>evaluate</c>, and the end of every training run).
/// </summary>
public static class ModelEvaluation
{
    /// <summary>Scores <paramref name="images"/> with the model and writes the report into <paramref name="outFolder"/>.</summary>
    public static EvaluationResult Run(string modelPath, IReadOnlyList<LabeledImage> images, string partName, string outFolder)
    {
        var card = RequireModel(modelPath);
        if (images.Count == 0) throw new ArgumentException($"No images to evaluate in the {partName} part.");
        var unknown = images.FirstOrDefault(i => !card.Labels.Contains(i.Label));
        if (unknown is not null) throw new InvalidDataException($"Image '{unknown.Path}' has label '{unknown.Label}', which the model does not know ({string.Join(", ", card.Labels)}).");
        var missing = images.FirstOrDefault(i => !File.Exists(i.Path));
        if (missing is not null) throw new FileNotFoundException($"Image '{missing.Path}' does not exist.");

        if (string.Equals(card.Resizing, ModelCard.SmoothResizing, StringComparison.Ordinal))
            return Report(modelPath, card, images, partName, outFolder, ScoreWithClassifier(modelPath, card, images), new MLContext(1));

        var mlContext = new MLContext(1);
        // Zips wrapping an exported network derive PredictedLabel with this saveable mapping.
        Malaria.Inference.Models.ScoreArgMaxMapping.Register(mlContext);
        ITransformer loaded;
        try { loaded = mlContext.Model.Load(modelPath, out _); }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Model '{modelPath}' could not be loaded: {ex.Message}", ex);
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
        // Scored with the views the model was chosen with, so the card's metrics are those of its recommended use.
        var views = card.Views?.Recommended == (int)ScoringViews.Dihedral ? ScoringViews.Dihedral : ScoringViews.Single;
        using var classifier = MalariaClassifier.Load(modelPath, new MalariaClassifierOptions { Views = views });
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
        var positiveIndex = card.Labels.ToList().IndexOf(result.PositiveLabel);
        string? perGroup = null;
        Directory.CreateDirectory(outFolder);
        if (images.Select(i => i.Group).Distinct().Skip(1).Any())
        {
            var groups = GroupBreakdown.Compute(images, scoring.Scored, positiveIndex);
            AtomicFile.WriteAllText(Path.Combine(outFolder, GroupBreakdown.CsvFile), GroupBreakdown.ToCsv(groups));
            perGroup = GroupBreakdown.ToMarkdown(groups, result.PositiveLabel);
        }
        var misclassified = MisclassifiedImages.Find(images, scoring.Scored, positiveIndex);
        AtomicFile.WriteAllText(Path.Combine(outFolder, MisclassifiedImages.CsvFile), MisclassifiedImages.ToCsv(misclassified, result.PositiveLabel));
        var overlap = TrainingGroups.Read(card.Properties) is { } trained ? TrainingGroups.Overlap(images, trained) : null;
        EvaluationReport.Write(outFolder, result, $"Evaluation of {Path.GetFileName(modelPath)}",
        [
            ("model", modelPath),
            ("trainer", card.Trainer ?? "unknown"),
            ("images", $"{images.Count:N0} ({partName})"),
            ("scoring time", $"{scoring.Elapsed.TotalSeconds:F1} s through the whole pipeline"),
        ], perGroup + MisclassifiedImages.ToMarkdown(misclassified, images.Count), overlap?.Warning);
        MobileNetV2FeaturesTraining.PrintResult(result);
        if (overlap is not null) AnsiConsole.MarkupLine($"[yellow]Warning: {Markup.Escape(overlap.Warning)}[/]");
        AnsiConsole.MarkupLine($"Wrote metrics.json, report.md, {MisclassifiedImages.CsvFile} ({misclassified.Count:N0} images) and pictures to [bold]{Markup.Escape(outFolder)}[/] ({scoring.Elapsed.TotalSeconds:F1} s).");
        return result;
    }

    /// <summary>Checks the model file and reads the card beside it, before any data is touched.</summary>
    public static ModelCard RequireModel(string modelPath)
    {
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"Model '{modelPath}' does not exist.");
        var cardPath = ModelCard.PathBeside(modelPath);
        if (!File.Exists(cardPath)) throw new FileNotFoundException($"Model card '{cardPath}' is missing; it holds the labels of '{modelPath}'.");
        return ModelCard.Load(cardPath);
    }

    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
