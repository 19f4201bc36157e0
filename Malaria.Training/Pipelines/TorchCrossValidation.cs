using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Torch.Native;
using Malaria.Training.Torch;
using TorchSharp;

namespace Malaria.Training.Pipelines;

/// <summary>One fold's held-out images and their scores from the fold's last epoch, and the settings it was trained with.</summary>
internal sealed record CrossValidationFold(int Fold, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> Patients, int TrainImages, double TrainingSeconds,
    double[] EpochAccuracy, BinaryClassificationMetrics HeldOut, BinaryClassificationMetrics HeldOutViews,
    IReadOnlyList<string> Paths, int[] Labels, float[] Probabilities, float[] ViewProbabilities);

/// <summary>What <see cref="TorchCrossValidation.Run"/> measured: every fold, and all held-out images pooled.</summary>
internal sealed record CrossValidationResult(IReadOnlyList<CrossValidationFold> Folds, BinaryClassificationMetrics Pooled,
    BinaryClassificationMetrics PooledViews, double[] MeanEpochAccuracy, ThresholdChoice Threshold, ThresholdChoice ViewsThreshold, string RefitSplitPath,
    ConfidenceIntervals Intervals, ConfidenceIntervals ViewsIntervals, IReadOnlyList<ViewsCalibration> Calibration, string CalibrationPath);

/// <summary>
/// Patient-level k-fold cross-validation of one TorchSharp configuration on the training and validation patients of a
/// split; the test part is never read. A 10-patient validation part scores the good models within a few images of
/// each other, so choosing between configurations on it is mostly noise; k folds score every one of the ~80
/// non-test patients once, on a model that never saw them. Each fold runs every epoch and keeps the last (as the final
/// fit on all those patients will), and its held-out cells are scored plainly and with 8-view averaging. A fold that
/// finished is reused and an interrupted one resumes, so a stopped run continues where it was. <paramref name="onlyFolds"/>
/// (1-based) trains only those folds, so one cross-validation can be spread over sessions or machines: the pooled
/// results are written by the run that finds every fold finished.
/// </summary>
/// <remarks>
/// The pooled held-out scores also calibrate the configuration (<see cref="CrossFittedCalibration"/>): a temperature
/// and the balanced and screening operating points per scoring, written to <see cref="CalibrationFile"/> for
/// <c>train --calibration</c>.
/// </remarks>
internal sealed class TorchCrossValidation(TorchTrainingOptions options, int folds, TrainingProgress progress, IReadOnlySet<int>? onlyFolds = null,
    double targetSensitivity = TorchCrossValidation.DefaultTargetSensitivity, string defaultOperatingPoint = CrossFittedCalibration.BalancedName)
{
    /// <summary>The screening point's target sensitivity unless one is given.</summary>
    public const double DefaultTargetSensitivity = 0.97;

    public const string ResultFile = "cv.json";
    public const string ReportFile = "cv.md";
    public const string RefitSplitFile = "refit-split.csv";
    private const string FoldResultFile = "fold.json";

    /// <summary>Runs the folds not finished yet; null when some were left for a run that does not skip them (<c>onlyFolds</c>).</summary>
    public CrossValidationResult? Run(IReadOnlyList<SplitEntry> split, string output, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(output);
        var pool = split.Where(e => e.Part != SplitPart.Test).Select(e => e.Image).ToList();
        var foldOf = PatientFolds.Assign(pool, folds, options.Seed);
        var (labels, positive) = LabelsOf(pool);
        SplitFile.Write(Path.Combine(output, "split.csv"), split);

        TorchNativeRuntime.EnsureLoaded();
        DecodedImageSet? all = null;
        var results = new List<CrossValidationFold>();
        var skipped = new List<int>();
        for (var fold = 0; fold < folds; fold++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var folder = Path.Combine(output, $"fold-{fold + 1}");
            var resultPath = Path.Combine(folder, FoldResultFile);
            var patients = foldOf.Where(p => p.Value == fold).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            if (File.Exists(resultPath))
            {
                var saved = JsonSerializer.Deserialize<CrossValidationFold>(File.ReadAllText(resultPath), TorchCheckpoint.JsonOptions)
                    ?? throw new InvalidDataException($"'{resultPath}' is empty.");
                var settings = saved.Settings ?? new Dictionary<string, string>();  // null: written before settings were recorded
                if (!settings.OrderBy(p => p.Key).SequenceEqual(Describe(options).OrderBy(p => p.Key)))
                    throw new InvalidOperationException($"'{folder}' holds a fold trained with other settings ({string.Join(", ", settings.Select(p => $"{p.Key} {p.Value}"))}); choose another --out.");
                if (saved.Patients.SequenceEqual(patients))
                {
                    progress.Message($"Fold {fold + 1}/{folds}: finished earlier ({saved.HeldOut.Accuracy:P2} on {saved.Paths.Count:N0} held-out cells), reused.");
                    results.Add(saved);
                    continue;
                }
                throw new InvalidOperationException($"'{folder}' holds a fold of other patients (another split or seed); choose another --out.");
            }
            if (onlyFolds is not null && !onlyFolds.Contains(fold + 1))
            {
                skipped.Add(fold + 1);
                continue;
            }

            if (all is null)
            {
                var clock = Stopwatch.StartNew();
                all = DecodedImageSet.Decode(pool, labels, options.ImageSize, cancellationToken: cancellationToken);
                progress.Message($"Decoded {all.Count:N0} training and validation images of {foldOf.Count} patients at {options.ImageSize} px ({clock.Elapsed.TotalSeconds:F0} s).");
            }
            var heldOut = Subset(all, i => foldOf[all.Images[i].Group] == fold);
            var training = Subset(all, i => foldOf[all.Images[i].Group] != fold);
            progress.Message($"Fold {fold + 1}/{folds}: {patients.Count} patients ({heldOut.Count:N0} cells) held out, training on {training.Count:N0} cells.");
            var data = new TorchTrainingData(labels, positive, training, heldOut, null);
            // The trainer scores the held-out patients one view at a time (its final validation pass); only the 8-view
            // scoring is added here.
            var foldOptions = options with
            {
                KeepLastEpoch = true,
                AverageViews = false,
                Distillation = options.Distillation?.ForFold(fold + 1),
                Resume = File.Exists(Path.Combine(folder, TorchCheckpoint.FileName)),
            };
            var trained = new TorchTrainer(foldOptions, progress).Train(data, folder, cancellationToken);
            var (plain, probabilities) = (trained.Validation!, trained.ValidationProbabilities!);
            using var model = TorchTrainer.CreateModel(options with { ImageNetInit = false }, labels.Count);
            TorchCheckpoint.LoadWeights(trained.ModelPath, model);
            var (views, _, viewProbabilities) = TorchTrainer.Evaluate(model, heldOut, labels, positive, averageViews: true);
            var result = new CrossValidationFold(fold + 1, Describe(options), patients, training.Count, Math.Round(trained.State.TrainingSeconds, 1),
                [.. trained.State.History.Select(h => h.ValidationAccuracy)], plain, views,
                [.. heldOut.Images.Select(i => i.Path)], heldOut.Labels, probabilities, viewProbabilities);
            AtomicFile.WriteAllText(resultPath, JsonSerializer.Serialize(result, TorchCheckpoint.JsonOptions));
            progress.Message(string.Create(CultureInfo.InvariantCulture,
                $"Fold {fold + 1}/{folds}: held-out accuracy {plain.Accuracy:P2} (8 views {views.Accuracy:P2}), {trained.State.TrainingSeconds:F0} s."));
            results.Add(result);
        }
        if (skipped.Count > 0)
        {
            progress.Message($"Folds {string.Join(", ", skipped)} of {folds} are not finished and were not selected; the pooled results are written once every fold is.");
            return null;
        }

        var pooled = BinaryClassificationMetrics.Compute([.. results.SelectMany(f => f.Labels)], [.. results.SelectMany(f => f.Probabilities)], labels, positive);
        var pooledViews = BinaryClassificationMetrics.Compute([.. results.SelectMany(f => f.Labels)], [.. results.SelectMany(f => f.ViewProbabilities)], labels, positive);
        var epochs = results.Min(f => f.EpochAccuracy.Length);
        var meanEpoch = Enumerable.Range(0, epochs)
            .Select(e => results.Sum(f => f.EpochAccuracy[e] * f.Paths.Count) / results.Sum(f => f.Paths.Count)).ToArray();
        // A cut is cross-fitted for each scoring, since the model is shipped with one or the other.
        var threshold = DecisionThreshold.CrossFit([.. results.Select(f => (f.Labels, f.Probabilities))], positive);
        var viewsThreshold = DecisionThreshold.CrossFit([.. results.Select(f => (f.Labels, f.ViewProbabilities))], positive);
        var groupOf = pool.ToDictionary(i => i.Path, i => i.Group, StringComparer.Ordinal);
        List<string> groups = [.. results.SelectMany(f => f.Paths).Select(path => groupOf[path])];
        var intervals = PooledIntervals(results, f => f.Probabilities, positive, groups);
        var viewsIntervals = PooledIntervals(results, f => f.ViewProbabilities, positive, groups);
        var refit = Path.Combine(output, RefitSplitFile);
        SplitFile.Write(refit, PatientSplitter.MergeValidationIntoTraining(split));
        var calibration = Calibrate(results, positive);
        var calibrationPath = Path.Combine(output, CalibrationFile.FileName);
        CalibrationFile.From(calibration, $"{folds}-fold patient cross-validation", defaultOperatingPoint).Save(calibrationPath);
        var cv = new CrossValidationResult(results, pooled, pooledViews, meanEpoch, threshold, viewsThreshold, refit, intervals, viewsIntervals,
            calibration, calibrationPath);
        var summary = new
        {
            options = Describe(options),
            folds,
            pooled,
            pooledViews,
            meanEpochAccuracy = meanEpoch,
            threshold,
            viewsThreshold,
            intervals,
            viewsIntervals,
            calibration = calibration.Select(c => new { c.Views, c.Temperature, c.Before, c.CrossFitted, points = c.Points }),
            perFold = results.Select(f => new { f.Fold, f.Patients, heldOutImages = f.Paths.Count, f.TrainImages, f.TrainingSeconds, accuracy = f.HeldOut.Accuracy, viewsAccuracy = f.HeldOutViews.Accuracy }),
        };
        AtomicFile.WriteAllText(Path.Combine(output, ResultFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions(TorchCheckpoint.JsonOptions) { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(output, ReportFile), Report(cv));
        return cv;
    }

    /// <summary>
    /// Temperature and operating points for each scoring the folds recorded: one view always, 8 views when every fold
    /// has them (folds written before 8-view scoring have none).
    /// </summary>
    private IReadOnlyList<ViewsCalibration> Calibrate(IReadOnlyList<CrossValidationFold> results, int positive)
    {
        var scorings = new List<ViewsCalibration>
        {
            CrossFittedCalibration.Run(1, [.. results.Select(f => (f.Labels.Select(l => l == positive).ToArray(), f.Probabilities))], targetSensitivity),
        };
        if (results.All(f => f.ViewProbabilities is { } v && v.Length == f.Labels.Length))
            scorings.Add(CrossFittedCalibration.Run(8, [.. results.Select(f => (f.Labels.Select(l => l == positive).ToArray(), f.ViewProbabilities))], targetSensitivity));
        foreach (var c in scorings) progress.Message(c.Summary());
        return scorings;
    }

    /// <summary>The labels in score order and the positive one's index, as the folds were trained with them.</summary>
    public static (List<string> Labels, int Positive) LabelsOf(IEnumerable<LabeledImage> pool)
    {
        var labels = pool.Select(i => i.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count != 2) throw new InvalidDataException($"The TorchSharp trainers are binary; the training and validation parts have {labels.Count} labels.");
        return (labels, labels.Contains(TorchTrainingData.DefaultPositiveLabel) ? labels.IndexOf(TorchTrainingData.DefaultPositiveLabel) : 0);
    }

    /// <summary>The finished folds of a cross-validation folder (those with a fold file), in fold order.</summary>
    public static IReadOnlyList<CrossValidationFold> ReadFinishedFolds(string output)
    {
        if (!Directory.Exists(output)) throw new DirectoryNotFoundException($"Cross-validation folder '{output}' does not exist.");
        var folds = Directory.GetDirectories(output, "fold-*")
            .Select(folder => Path.Combine(folder, FoldResultFile))
            .Where(File.Exists)
            .Select(path =>
            {
                try
                {
                    return JsonSerializer.Deserialize<CrossValidationFold>(File.ReadAllText(path), TorchCheckpoint.JsonOptions)
                        ?? throw new InvalidDataException("it is empty");
                }
                catch (Exception ex) when (ex is JsonException or InvalidDataException)
                {
                    throw new InvalidDataException($"Fold file '{path}' could not be read: {ex.Message}", ex);
                }
            })
            .OrderBy(f => f.Fold)
            .ToList();
        return folds.Count > 0 ? folds : throw new InvalidDataException($"'{output}' holds no finished fold (fold-N/{FoldResultFile}); is it a crossvalidate --out folder?");
    }

    /// <summary>Patient-bootstrap intervals of the pooled held-out metrics of one scoring, at the 0.5 cut the pooled metrics use.</summary>
    private static ConfidenceIntervals PooledIntervals(IReadOnlyList<CrossValidationFold> folds, Func<CrossValidationFold, float[]> probabilitiesOf,
        int positive, IReadOnlyList<string> groups)
    {
        int[] labels = [.. folds.SelectMany(f => f.Labels)];
        float[] probabilities = [.. folds.SelectMany(probabilitiesOf)];
        return PatientBootstrap.Compute(
            [.. labels.Select((label, i) => DecisionThreshold.IsRight(label, probabilities[i], positive))],
            [.. labels.Select(label => label == positive)],
            [.. probabilities.Select(p => p >= DecisionThreshold.Default)],
            [.. probabilities.Select(p => (double)p)], groups);
    }

    /// <summary>The images of <paramref name="set"/> whose index passes <paramref name="keep"/>, in order.</summary>
    private static DecodedImageSet Subset(DecodedImageSet set, Func<int, bool> keep)
    {
        var indices = Enumerable.Range(0, set.Count).Where(keep).ToArray();
        var pixels = new byte[(long)indices.Length * set.ImageBytes];
        for (var k = 0; k < indices.Length; k++)
            Array.Copy(set.Pixels, (long)indices[k] * set.ImageBytes, pixels, (long)k * set.ImageBytes, set.ImageBytes);
        return DecodedImageSet.FromPixels([.. indices.Select(i => set.Images[i])], set.Size, pixels, [.. indices.Select(i => set.Labels[i])]);
    }

    /// <summary>The calibration section of cv.md.</summary>
    private static string CalibrationReport(CrossValidationResult cv)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = new StringBuilder();
        r.AppendLine("## Calibration and operating points");
        r.AppendLine();
        r.AppendLine(inv, $"Temperature scaling, P = sigmoid(logit / T), T fitted by least log-loss on the held-out cells. \"Held-out\" figures calibrate and decide each fold with a temperature and thresholds fitted on the other folds only (cross-fitted), pooled; the shipped T and thresholds are fitted on all folds. ECE: {CalibrationMetrics.Bins} equal-width bins of P(Parasitized) over [0, 1]. Written to `{Path.GetFileName(cv.CalibrationPath)}` for `train --calibration`.");
        r.AppendLine();
        r.AppendLine("| scoring | T (all folds) | T per fold | ECE before | ECE held-out | log-loss before | log-loss held-out | Brier before | Brier held-out |");
        r.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var c in cv.Calibration)
            r.AppendLine(string.Create(inv, $"| {c.Views} view(s) | {c.Temperature:F3} | {string.Join(", ", c.FoldTemperatures.Select(t => t.ToString("F3", inv)))} | {c.Before.Ece:F4} | {c.CrossFitted.Ece:F4} | {c.Before.LogLoss:F4} | {c.CrossFitted.LogLoss:F4} | {c.Before.Brier:F4} | {c.CrossFitted.Brier:F4} |"));
        r.AppendLine();
        r.AppendLine("| scoring | point | threshold (all folds) | thresholds per fold | held-out sensitivity | held-out specificity | in-sample sensitivity | in-sample specificity |");
        r.AppendLine("|---|---|---:|---|---:|---:|---:|---:|");
        foreach (var c in cv.Calibration)
            foreach (var p in c.Points)
                r.AppendLine(string.Create(inv, $"| {c.Views} view(s) | {p.Name} | {p.Threshold:F4} | {string.Join(", ", p.FoldThresholds.Select(t => t.ToString("F4", inv)))} | {p.Sensitivity:F4} | {p.Specificity:F4} | {p.InSampleSensitivity:F4} | {p.InSampleSpecificity:F4} |"));
        r.AppendLine();
        if (cv.Calibration.Count > 0)
            r.AppendLine(string.Create(inv, $"balanced: 0.5 on the calibrated probability (the model's own 0.5: a temperature does not move logit 0). screening: the largest threshold whose sensitivity on the fitting cells is at least {cv.Calibration[0].TargetSensitivity:F2}; its held-out sensitivity is what new patients may expect, and may fall short of the target."));
        r.AppendLine();
        return r.ToString();
    }

    private static Dictionary<string, string> Describe(TorchTrainingOptions o)
    {
        var settings = new Dictionary<string, string>
        {
            ["architecture"] = o.Architecture.ToString(),
            ["init"] = o.ImageNetInit ? "imagenet" : "scratch",
            ["freezeBackbone"] = o.FreezeBackbone.ToString(),
            ["layout"] = o.Architecture == TorchArchitecture.Cnn ? o.CnnStages : $"width {o.WidthMultiplier.ToString(CultureInfo.InvariantCulture)}",
            ["imageSize"] = o.ImageSize.ToString(CultureInfo.InvariantCulture),
            ["batchSize"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
            ["learningRate"] = o.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["schedule"] = o.Schedule.ToString(),
            ["weightDecay"] = o.WeightDecay.ToString(CultureInfo.InvariantCulture),
            ["augmentation"] = o.Augmentation.Enabled ? $"flips/rotations, colour jitter {o.Augmentation.Brightness.ToString(CultureInfo.InvariantCulture)}{(o.Augmentation.Domain is not null ? $", domain departures {o.Augmentation.Domain.Version}" : "")}" : "off",
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        };
        // Named only when on, so folds trained before these options existed keep matching their settings.
        foreach (var (key, value) in o.SettingsOnlyWhenOn()) settings[key] = value;
        return settings;
    }

    private string Report(CrossValidationResult cv)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = new StringBuilder();
        r.AppendLine(inv, $"# {folds}-fold patient cross-validation: {options.Architecture}, {options.ImageSize} px, {options.Epochs} epochs (last kept)");
        r.AppendLine();
        r.AppendLine(string.Join(", ", Describe(options).Select(p => $"{p.Key} {p.Value}")) + ".");
        r.AppendLine();
        r.AppendLine(inv, $"Every training and validation patient is held out once; the test part is not read. Pooled over {cv.Pooled.Count:N0} held-out cells:");
        r.AppendLine();
        r.AppendLine("| scoring | accuracy | precision | recall | F1 | AUC | log-loss |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, m) in new[] { ("one view", cv.Pooled), ("8 views averaged", cv.PooledViews) })
            r.AppendLine(string.Create(inv, $"| {name} | {m.Accuracy:F4} | {m.Precision:F4} | {m.Recall:F4} | {m.F1:F4} | {m.Auc:F4} | {m.LogLoss:F4} |"));
        r.AppendLine();
        string Range(ConfidenceIntervals i, string key) => i.Metrics.TryGetValue(key, out var v) ? string.Create(inv, $"{v.Low:F4}-{v.High:F4}") : "-";
        r.AppendLine(string.Create(inv, $"95 % intervals, the {cv.Intervals.Units} patients resampled whole ({cv.Intervals.Resamples:N0} draws, seed {cv.Intervals.Seed}): ") +
            $"accuracy {Range(cv.Intervals, "accuracy")} (8 views {Range(cv.ViewsIntervals, "accuracy")}), recall {Range(cv.Intervals, "recall")}, AUC {Range(cv.Intervals, "auc")}. " +
            "To compare two configurations on the same folds, use `compare-cv`: their intervals overlap even when one is reliably better.");
        r.AppendLine();
        r.AppendLine("| fold | patients | held-out cells | accuracy | 8 views | training |");
        r.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var f in cv.Folds)
            r.AppendLine(string.Create(inv, $"| {f.Fold} | {f.Patients.Count} | {f.Paths.Count:N0} | {f.HeldOut.Accuracy:F4} | {f.HeldOutViews.Accuracy:F4} | {f.TrainingSeconds:F0} s |"));
        r.AppendLine();
        r.AppendLine("Held-out accuracy after each epoch (pooled over folds): " +
            string.Join(", ", cv.MeanEpochAccuracy.Select((a, e) => string.Create(inv, $"{e + 1}: {a:F4}"))) + ".");
        r.AppendLine();
        foreach (var (name, t) in new[] { ("one view", cv.Threshold), ("8 views", cv.ViewsThreshold) })
        {
            r.AppendLine(string.Create(inv, $"Decision threshold ({name}): calling a cell Parasitized from probability {t.Threshold:F2} instead of 0.50 scores {t.Accuracy:F4} (0.50: {t.BaselineAccuracy:F4}), ") +
                string.Create(inv, $"but those cells chose it; chosen on the other folds only ({string.Join(", ", t.FoldThresholds.Select(x => x.ToString("F2", inv)))}), each fold scores {t.CrossFittedAccuracy:F4} pooled."));
            r.AppendLine();
        }
        r.AppendLine("`train`/`export --threshold` write a threshold into the model.");
        r.AppendLine();
        r.Append(CalibrationReport(cv));
        r.AppendLine(inv, $"Final fit on all these patients: train with `--split {Path.GetFileName(cv.RefitSplitPath)}` (validation merged into training; the last epoch is kept) and the same options.");
        return r.ToString();
    }
}
