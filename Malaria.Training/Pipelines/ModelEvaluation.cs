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
    public static EvaluationResult Run(string modelPath, IReadOnlyList<LabeledImage> images, string partName, string outFolder, ScoringViews? views = null)
    {
        var card = RequireModel(modelPath);
        if (views is { } asked && card.ViewsInGraph == 1)
        {
            // Scored, calibrated and decided as a caller asking for these views would be; the card's own choice otherwise.
            card.Views = new ModelCardViews { InGraph = 1, Recommended = (int)asked };
        }
        if (images.Count == 0) throw new ArgumentException($"No images to evaluate in the {partName} part.");
        var unknown = images.FirstOrDefault(i => !card.Labels.Contains(i.Label));
        if (unknown is not null) throw new InvalidDataException($"Image '{unknown.Path}' has label '{unknown.Label}', which the model does not know ({string.Join(", ", card.Labels)}).");
        var missing = images.FirstOrDefault(i => !File.Exists(i.Path));
        if (missing is not null) throw new FileNotFoundException($"Image '{missing.Path}' does not exist.");

        if (string.Equals(card.Resizing, ModelCard.SmoothResizing, StringComparison.Ordinal))
            return Report(modelPath, card, images, partName, outFolder, ScoreWithClassifier(modelPath, card, images), new MLContext(1), calibratedByLibrary: true);

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
        return Report(modelPath, card, images, partName, outFolder, (scored!, watch.Elapsed), mlContext, calibratedByLibrary: false);
    }

    /// <summary>
    /// Scores through <see cref="MalariaClassifier"/>, the inference library's path, for models that need the library's
    /// own preprocessing (see <see cref="ModelCard.Resizing"/>).
    /// </summary>
    private static (ScoredSet Scored, TimeSpan Elapsed) ScoreWithClassifier(string modelPath, ModelCard card, IReadOnlyList<LabeledImage> images)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // Scored with the views the model was chosen with, so the card's metrics are those of its recommended use.
        using var classifier = MalariaClassifier.Load(modelPath, new MalariaClassifierOptions { Views = ViewsOf(card) });
        var scores = new List<float[]>(images.Count);
        foreach (var chunk in images.Chunk(256))
        {
            scores.AddRange(classifier.ClassifyBatch(chunk.Select(i => i.Path)).Select(p => p.ScoreVector.ToArray()));
            Console.WriteLine($"scored {scores.Count:N0}/{images.Count:N0}");
        }
        var truth = images.Select(i => card.Labels.ToList().IndexOf(i.Label)).ToList();
        return (new ScoredSet(card.Labels, truth, scores), watch.Elapsed);
    }

    /// <param name="calibratedByLibrary">
    /// Whether the scores came through <see cref="MalariaClassifier"/>, which applies the card's temperature; the
    /// ML.NET zip path gives the model's own probabilities and the temperature is applied here.
    /// </param>
    private static EvaluationResult Report(string modelPath, ModelCard card, IReadOnlyList<LabeledImage> images, string partName, string outFolder,
        (ScoredSet Scored, TimeSpan Elapsed) scoring, MLContext mlContext, bool calibratedByLibrary)
    {
        var temperature = TemperatureOf(card);
        if (!calibratedByLibrary && temperature != 1)
            scoring.Scored = scoring.Scored with { Scores = [.. scoring.Scored.Scores.Select(s => Malaria.Inference.Decisions.DecisionRule.Scale(s, temperature))] };
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
        var calibration = CalibrationAndOperatingPoints(card, scoring.Scored, positiveIndex, temperature, result, outFolder);
        var gallery = WriteGallery(modelPath, card, misclassified, result.PositiveLabel, outFolder);
        var overlap = TrainingGroups.Read(card.Properties) is { } trained ? TrainingGroups.Overlap(images, trained) : null;
        EvaluationReport.Write(outFolder, result, $"Evaluation of {Path.GetFileName(modelPath)}",
        [
            ("model", modelPath),
            ("trainer", card.Trainer ?? "unknown"),
            ("images", $"{images.Count:N0} ({partName})"),
            ("scoring time", $"{scoring.Elapsed.TotalSeconds:F1} s through the whole pipeline"),
        ], calibration + perGroup + MisclassifiedImages.ToMarkdown(misclassified, images.Count) + gallery, overlap?.Warning);
        MobileNetV2FeaturesTraining.PrintResult(result);
        if (overlap is not null) AnsiConsole.MarkupLine($"[yellow]Warning: {Markup.Escape(overlap.Warning)}[/]");
        AnsiConsole.MarkupLine($"Wrote metrics.json, report.md, {MisclassifiedImages.CsvFile} ({misclassified.Count:N0} images) and pictures to [bold]{Markup.Escape(outFolder)}[/] ({scoring.Elapsed.TotalSeconds:F1} s).");
        return result;
    }

    /// <summary>The views to ask the library for so a model is scored as its card recommends (<c>--views</c> may have set them).</summary>
    private static ScoringViews ViewsOf(ModelCard card) =>
        card.Views?.Recommended == (int)ScoringViews.Dihedral ? ScoringViews.Dihedral : ScoringViews.Single;

    /// <summary>The card's temperature for the views the model scores with; 1 without one.</summary>
    private static double TemperatureOf(ModelCard card)
    {
        var views = Malaria.Inference.Decisions.ScoredViews.Of(card);
        return card.Calibration?.FirstOrDefault(c => c.Views == views)?.Temperature ?? 1;
    }

    /// <summary>
    /// ECE, log-loss and Brier of P(positive) before and after the card's temperature, figures at each operating
    /// point (set on <paramref name="result"/> for metrics.json and the ROC picture), reliability.png, and the
    /// report section. <paramref name="scored"/> holds the calibrated probabilities.
    /// </summary>
    private static string CalibrationAndOperatingPoints(ModelCard card, ScoredSet scored, int positiveIndex, double temperature, EvaluationResult result, string outFolder)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        bool[] positive = [.. scored.Truth.Select(t => t == positiveIndex)];
        double[] calibrated = [.. scored.Scores.Select(s => (double)s[positiveIndex])];
        // Dividing the logit by 1/T undoes the library's division by T.
        double[] own = temperature == 1 ? calibrated : [.. scored.Scores.Select(s => (double)Malaria.Inference.Decisions.DecisionRule.Scale(s, 1 / temperature)[positiveIndex])];
        var before = CalibrationMetrics.Compute(own, positive);
        var after = CalibrationMetrics.Compute(calibrated, positive);
        var bins = $"{CalibrationMetrics.Bins} equal-width bins of P({card.PositiveLabel}) over [0, 1]";
        result.Calibration = new CalibrationSummary(temperature, new(before.Ece, before.LogLoss, before.Brier), new(after.Ece, after.LogLoss, after.Brier), bins);

        var views = Malaria.Inference.Decisions.ScoredViews.Of(card);
        var defaultName = card.DefaultOperatingPoint ?? OperatingPoint.Balanced;
        var points = card.OperatingPoints is { Count: > 0 } cardPoints
            ? [.. cardPoints.Where(p => p.Views == views)]
            : new List<OperatingPoint> { new() { Name = OperatingPoint.Balanced, Views = views, Threshold = 0.5 } };
        result.OperatingPoints = [.. points.Select(p => OperatingPointResult.Measure(p.Name, p.Threshold, calibrated, positive, p.Name == defaultName))];

        IReadOnlyList<(string, IReadOnlyList<double>)> curves = temperature == 1
            ? [("model's own (no temperature on the card)", own)]
            : [("model's own", own), (string.Create(inv, $"calibrated, T = {temperature:0.###}"), calibrated)];
        AtomicFile.WriteAllBytes(Path.Combine(outFolder, ReliabilityDiagram.FileName),
            ReliabilityDiagram.Draw($"Reliability of P({card.PositiveLabel}) ({result.Part}, {scored.Count:N0} images)", curves, positive));

        var md = new System.Text.StringBuilder();
        md.Append("\n## Calibration\n\n");
        md.Append(inv, $"ECE on {bins}; log-loss and Brier score of P({card.PositiveLabel}). ");
        md.Append(temperature == 1
            ? "The card has no temperature for this scoring: the probabilities are the model's own.\n\n"
            : string.Create(inv, $"The card's temperature {temperature:0.####} ({views} view(s)) is applied by the library; \"model's own\" undoes it.\n\n"));
        md.Append("| probabilities | ECE | log-loss | Brier |\n| --- | ---: | ---: | ---: |\n");
        md.Append(inv, $"| model's own | {before.Ece:F4} | {before.LogLoss:F4} | {before.Brier:F4} |\n");
        if (temperature != 1) md.Append(inv, $"| calibrated (T = {temperature:0.####}) | {after.Ece:F4} | {after.LogLoss:F4} | {after.Brier:F4} |\n");
        md.Append(inv, $"\n![reliability diagram]({ReliabilityDiagram.FileName})\n");
        md.Append("\n## Operating points\n\n");
        md.Append(card.OperatingPoints is { Count: > 0 }
            ? "Thresholds on the calibrated P(" + card.PositiveLabel + ") from the model card (chosen on cross-validation, never on this part); the headline metrics above are the most probable label's.\n\n"
            : "The card has no operating points: the model decides at 0.5 (balanced).\n\n");
        md.Append("| point | threshold | accuracy | sensitivity | specificity | precision | TP | FP | TN | FN | held-out sensitivity / specificity when chosen |\n");
        md.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        foreach (var (r, p) in result.OperatingPoints.Zip(points))
            md.Append(inv, $"| {r.Name}{(r.IsDefault ? " (default)" : "")} | {r.Threshold:0.####} | {r.Accuracy:F4} | {r.Sensitivity:F4} | {r.Specificity:F4} | {r.Precision:F4} | {r.TruePositives:N0} | {r.FalsePositives:N0} | {r.TrueNegatives:N0} | {r.FalseNegatives:N0} | {(p.Sensitivity is { } s && p.Specificity is { } sp ? string.Create(inv, $"{s:F4} / {sp:F4} ({p.Source})") : "-")} |\n");
        md.Append("\nThe points are marked on the ROC curve.\n");
        return md.ToString();
    }

    /// <summary>worst-errors.png and its report line; empty when nothing was wrong.</summary>
    private static string WriteGallery(string modelPath, ModelCard card, IReadOnlyList<MisclassifiedImage> misclassified, string positiveLabel, string outFolder)
    {
        if (misclassified.Count == 0) return "";
        // Explained with the views the errors were scored with.
        using var classifier = MalariaClassifier.Load(modelPath, new MalariaClassifierOptions { Views = ViewsOf(card) });
        var png = ErrorGallery.Draw(classifier, misclassified, positiveLabel);
        if (png is null) return "";
        AtomicFile.WriteAllBytes(Path.Combine(outFolder, ErrorGallery.FileName), png);
        return $"\nThe {Math.Min(misclassified.Count, ErrorGallery.DefaultCount)} most confidently wrong, with their Grad-CAM overlays where the model has them:\n\n![worst errors]({ErrorGallery.FileName})\n";
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
