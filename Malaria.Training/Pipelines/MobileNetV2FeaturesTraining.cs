using System.Diagnostics;
using System.Globalization;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.MlNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Spectre.Console;

namespace Malaria.Training.Pipelines;

/// <summary>
/// One <c>train --trainer mobilenetv2-features</c> run: split, features (cached), classifier, <c>model.zip</c> (the
/// whole image-to-label pipeline, backbone included) and <c>model.json</c>, then the test-part evaluation.
/// </summary>
public static class MobileNetV2FeaturesTraining
{
    /// <summary>The <c>--trainer</c> name of this pipeline, recorded on its model cards.</summary>
    public const string TrainerName = "mobilenetv2-features";

    /// <summary>What a run needs besides the trainer options.</summary>
    public sealed class Settings
    {
        /// <summary>Labeled image folder (split by patient when <see cref="SplitFile"/> is null).</summary>
        public string? DataFolder { get; init; }

        /// <summary>Patient-group regex for the folder split.</summary>
        public string? GroupPattern { get; init; }

        /// <summary>An existing split CSV to reuse.</summary>
        public string? SplitFile { get; init; }

        /// <summary>Run folder for every output.</summary>
        public required string RunFolder { get; init; }

        /// <summary>Seed of the split and of the ML.NET context.</summary>
        public int Seed { get; init; } = 42;

        /// <summary>The part evaluated at the end: <see cref="SplitPart.Test"/> normally, validation while tuning.</summary>
        public SplitPart EvaluationPart { get; init; } = SplitPart.Test;

        /// <summary>The trainer options (backbone, classifier, workspace...).</summary>
        public required MobileNetV2FeaturesTrainer.Options Options { get; init; }
    }

    /// <summary>Runs the whole training and writes the run folder; returns the test evaluation.</summary>
    public static EvaluationResult Run(Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.Options.BackbonePath))
            throw new FileNotFoundException($"MobileNetV2 backbone '{settings.Options.BackbonePath}' does not exist; pass --backbone FILE (mobilenetv2_1.0_224.onnx from ../shared/models/mobilenetv2-imagenet/).", settings.Options.BackbonePath);
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(settings.RunFolder);
        var (split, splitPath) = ResolveSplit(settings);
        var labels = split.Select(e => e.Image.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (labels.Length < 2) throw new InvalidDataException($"The split has {labels.Length} label(s); at least two are needed.");
        IReadOnlyList<LabeledImage> Part(SplitPart part) => [.. split.Where(e => e.Part == part).Select(e => e.Image)];
        var (train, validation, test) = (Part(SplitPart.Train), Part(SplitPart.Validation), Part(SplitPart.Test));
        if (train.Count == 0 || test.Count == 0) throw new InvalidDataException($"The split needs train and test images (train {train.Count}, test {test.Count}).");
        AnsiConsole.MarkupLine($"Split: train {train.Count:N0}, validation {validation.Count:N0}, test {test.Count:N0} images; labels {Markup.Escape(string.Join(", ", labels))}");

        var mlContext = new MLContext(settings.Seed);
        var options = settings.Options;
        options.ImagePathColumnName = LabeledImageData.ImagePathColumnName;
        var trainView = LabeledImageData.Load(mlContext, train, labels);
        options.ValidationSet = validation.Count > 0 ? LabeledImageData.Load(mlContext, validation, labels) : null;
        var validationMetrics = (FeatureTrainingMetrics?)null;
        options.MetricsCallback = m =>
        {
            if (m.Dataset == "validation") validationMetrics = m;
            AnsiConsole.MarkupLine($"{m.Dataset}: accuracy {m.MicroAccuracy:P2}, macro accuracy {m.MacroAccuracy:P2}, log-loss {m.LogLoss:F4} ({m.Rows:N0} images; classifier fitted in {m.TrainingSeconds:F1} s)");
        };
        var trainer = mlContext.MulticlassClassification.Trainers.MobileNetV2Features(options);
        AnsiConsole.MarkupLine($"Backbone {Markup.Escape(options.BackbonePath)}; feature cache {Markup.Escape(trainer.Featurizer.Cache.FilePath)} ({trainer.Featurizer.Cache.Count:N0} images cached)");

        var fitWatch = Stopwatch.StartNew();
        var chain = ExtractionProgress.Run(progress => { options.ProgressCallback = progress; return trainer.Fit(trainView); });
        var keyToValue = mlContext.Transforms.Conversion.MapKeyToValue(ModelColumns.PredictedLabel).Fit(chain.Transform(trainView));
        var model = chain.Append(keyToValue);
        fitWatch.Stop();

        var modelPath = Path.Combine(settings.RunFolder, "model.zip");
        Save(mlContext, model, modelPath);
        var trainingSeconds = fitWatch.Elapsed.TotalSeconds;

        // Test evaluation from cached features: the same featurizer the saved model contains, without a second pass
        // through the backbone (MobileNetV2FeaturesModelTests checks that both give the same scores).
        var partName = settings.EvaluationPart.ToString().ToLowerInvariant();
        var evaluated = settings.EvaluationPart switch { SplitPart.Test => test, SplitPart.Validation => validation, _ => train };
        if (evaluated.Count == 0) throw new InvalidDataException($"The split has no {partName} images to evaluate.");
        var testView = LabeledImageData.Load(mlContext, evaluated, labels);
        ScoredSet scoredSet;
        if (options.AverageViewsAtPrediction)
        {
            // The model averages views the cache does not hold (flips of the resized tensor): score through the model.
            var rowsTotal = evaluated.Count;
            scoredSet = ScoredSet.FromDataView(model.Transform(testView), labels, ModelColumns.Label, ModelColumns.Score,
                n => { if (n % 500 == 0 || n == rowsTotal) Console.WriteLine($"scored {partName} {n:N0}/{rowsTotal:N0} through the model"); });
        }
        else
        {
            var testFeatures = ExtractionProgress.Run(progress => { options.ProgressCallback = progress; return trainer.Featurizer.Featurize(testView, partName); });
            var featureType = MobileNetV2FeaturesTrainer.FeatureTypeOf(chain, trainView.Schema);
            var scored = MobileNetV2FeaturesTrainer.ClassifierHead(chain)
                .Transform(MobileNetV2FeaturesTrainer.ToDataView(mlContext, testFeatures, featureType, ModelColumns.Label));
            scoredSet = ScoredSet.FromDataView(scored, labels, ModelColumns.Label, ModelColumns.Score);
        }
        var result = ModelEvaluator.Evaluate(mlContext, scoredSet, "Parasitized" is var p && labels.Contains(p) ? p : labels[0], partName,
            [.. evaluated.Select(i => i.Group)]);

        var card = new ModelCard
        {
            Labels = labels,
            PositiveLabel = result.PositiveLabel,
            InputWidth = MobileNetV2Backbone.InputSize,
            InputHeight = MobileNetV2Backbone.InputSize,
            Trainer = TrainerName,
            BackboneSha256 = MobileNetV2Backbone.Sha256(options.BackbonePath),
            SplitSha256 = FileHash.Sha256(splitPath),
            Seed = settings.Seed,
            TrainingSeconds = Math.Round(trainingSeconds, 1),
            CreatedUtc = DateTimeOffset.UtcNow,
            Metrics = result.Headline(),
            MetricsPart = partName,
            Properties = new Dictionary<string, string>
            {
                ["classifier"] = options.Classifier.ToString(),
                ["normalization"] = options.Normalization.ToString(),
                ["resizing"] = options.Resizing.ToString(),
                ["augmentation"] = options.Augmentation.ToString(),
                ["averageViewsAtPrediction"] = options.AverageViewsAtPrediction.ToString(),
                ["kernelMapRank"] = options.KernelMapRank.ToString(CultureInfo.InvariantCulture),
                ["kernelGamma"] = options.KernelGamma.ToString(CultureInfo.InvariantCulture),
                ["l1Regularization"] = options.L1Regularization.ToString(CultureInfo.InvariantCulture),
                ["l2Regularization"] = options.L2Regularization.ToString(CultureInfo.InvariantCulture),
                ["trainImages"] = train.Count.ToString(CultureInfo.InvariantCulture),
                ["validationImages"] = validation.Count.ToString(CultureInfo.InvariantCulture),
                ["testImages"] = test.Count.ToString(CultureInfo.InvariantCulture),
                ["featuresComputed"] = (trainer.LastTrainingFeatures?.Computed ?? 0).ToString(CultureInfo.InvariantCulture),
                ["featuresFromCache"] = (trainer.LastTrainingFeatures?.FromCache ?? 0).ToString(CultureInfo.InvariantCulture),
            },
        };
        if (validationMetrics is not null)
        {
            card.Properties["validationAccuracy"] = validationMetrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture);
            card.Properties["validationLogLoss"] = validationMetrics.LogLoss.ToString("F4", CultureInfo.InvariantCulture);
        }
        TrainingGroups.Record(card.Properties, train.Select(i => i.Group));
        card.Save(ModelCard.PathBeside(modelPath));

        EvaluationReport.Write(settings.RunFolder, result, "MobileNetV2 features + " + options.Classifier,
        [
            ("model", "model.zip (whole pipeline: resize 224, pixels, MobileNetV2 ONNX, classifier)"),
            ("split", $"split.csv (sha256 {card.SplitSha256})"),
            ("seed", settings.Seed.ToString(CultureInfo.InvariantCulture)),
            ("hyper-parameters", string.Join(", ", card.Properties.Where(kv => kv.Key is "classifier" or "normalization" or "resizing" or "augmentation" or "averageViewsAtPrediction" or "kernelMapRank" or "kernelGamma" or "l1Regularization" or "l2Regularization").Select(kv => $"{kv.Key} {kv.Value}"))),
            ("validation", validationMetrics is null ? "none" : $"accuracy {validationMetrics.MicroAccuracy:F4}, log-loss {validationMetrics.LogLoss:F4}"),
            ("training time", $"{trainingSeconds:F1} s (features + classifier; {card.Properties["featuresComputed"]} train images through the backbone, {card.Properties["featuresFromCache"]} from cache)"),
        ]);
        PrintResult(result);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(modelPath)}[/], model.json, metrics.json, report.md and pictures; training {trainingSeconds:F1} s, whole run {total.Elapsed.TotalSeconds:F1} s.");
        return result;
    }

    /// <summary>Prints the headline metrics as a table.</summary>
    public static void PrintResult(EvaluationResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var setNote = r.Intervals is { } all ? IntervalNote.ForSet(all) : null;
        var intervals = setNote is null ? r.Intervals : null;
        var table = new Table().AddColumn("Metric").AddColumn(new TableColumn($"{r.Part} ({r.Rows:N0})").RightAligned());
        if (intervals is not null)
            table.AddColumn(new TableColumn($"{intervals.Level * 100:F0} % interval (by {intervals.Unit})").RightAligned());
        foreach (var (name, key, value) in new (string, string, double)[]
        {
            ("accuracy", "accuracy", r.Accuracy), ("precision", "precision", r.Precision), ("recall", "recall", r.Recall),
            ("specificity", "specificity", r.Specificity), ("F1", "f1", r.F1), ("ROC AUC", "auc", r.Auc), ("PR AUC", "", r.PrAuc),
            ("log-loss", "", r.LogLoss),
        })
        {
            if (intervals is null) { table.AddRow(name, value.ToString("F4", c)); continue; }
            table.AddRow(name, value.ToString("F4", c), Markup.Escape(IntervalNote.Cell(intervals, key)));
        }
        AnsiConsole.Write(table);
        if (setNote is not null) AnsiConsole.MarkupLine(Markup.Escape(string.Create(c, $"{r.Intervals!.Level * 100:F0} % interval: {setNote}.")));
    }

    /// <summary>
    /// Saves atomically without an input schema: ML.NET cannot serialise an image-typed column ("No valid columns to
    /// save"), and the chain needs none, since it binds to whatever view brings an MLImage <c>Image</c> column.
    /// </summary>
    public static void Save(MLContext mlContext, ITransformer model, string path) =>
        AtomicFile.Write(path, stream => mlContext.Model.Save(model, null, stream));

    private static (IReadOnlyList<SplitEntry> Split, string Path) ResolveSplit(Settings settings)
    {
        var target = Path.Combine(settings.RunFolder, "split.csv");
        if (settings.SplitFile is not null)
        {
            var entries = SplitFile.Read(settings.SplitFile);
            var missing = entries.FirstOrDefault(e => !File.Exists(e.Image.Path));
            if (missing is not null) throw new FileNotFoundException($"Split '{settings.SplitFile}' lists '{missing.Image.Path}', which does not exist.");
            if (!string.Equals(Path.GetFullPath(settings.SplitFile), Path.GetFullPath(target), StringComparison.Ordinal))
                AtomicFile.WriteAllBytes(target, File.ReadAllBytes(settings.SplitFile));
            return (entries, target);
        }
        var dataset = DatasetLoading.Load(settings.DataFolder!, settings.GroupPattern);
        if (dataset.Problems.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]{dataset.Problems.Count} file(s) left out; run 'inspect' for the list.[/]");
        var split = PatientSplitter.Split(dataset.Images, settings.Seed);
        SplitFile.Write(target, split);
        return (split, target);
    }
}
