using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Export;
using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;

namespace Malaria.Training.Pipelines;

/// <summary>
/// The TorchSharp networks' pipeline (<c>train --trainer cnn|mobilenetv2</c>, <c>compare</c> and the default job):
/// train on a patient-level split, export the kept weights (model.onnx with class activation maps, and model.zip
/// wrapping it), evaluate the exported zip on the test part and record that evaluation on the model card.
/// </summary>
internal static class NetworkTraining
{
    /// <summary>
    /// The trainer's own report (validation beside test, best epoch, hyper-parameters). report.md is the exported model's
    /// evaluation through the library, written after export, so this one keeps its own name.
    /// </summary>
    public const string TrainingReportFile = "training-report.md";

    /// <summary>
    /// Trains, exports and evaluates: the numbers in metrics.json and model.json are those of the file that ships,
    /// through the same preprocessing a user's application runs.
    /// </summary>
    /// <param name="calibrationPath">
    /// A <c>calibration.json</c> from <c>crossvalidate</c> of the same settings: its temperature and operating points
    /// go into model.json before the test part is scored, so the card's figures are those of the calibrated model.
    /// Null: none (temperature 1, the balanced point at 0.5).
    /// </param>
    public static void Run(string trainer, TorchTrainingOptions options, IReadOnlyList<SplitEntry> split, string output,
        TrainingProgress progress, CancellationToken cancellationToken = default, string? calibrationPath = null)
    {
        // Read before hours of training, so a bad file fails now.
        var calibration = calibrationPath is null ? null : CalibrationFile.Load(calibrationPath);
        if (calibration is not null && options.DecisionThreshold != DecisionThreshold.Default)
            throw new InvalidDataException("A calibration file's operating points replace a threshold in the graph; leave out --threshold.");
        TrainAndEvaluate(trainer, options, split, output, progress, cancellationToken);
        var (files, _, _, _, _) = CheckpointExport.Export(Path.Combine(output, "model.bin"), Path.Combine(output, "model.onnx"),
            averageViews: options.AverageViews, decisionThreshold: options.DecisionThreshold, calibration: calibration, calibrationSource: calibrationPath);
        Console.WriteLine($"Exported {files.Onnx} and {files.Zip}");
        var test = SplitFile.Read(Path.Combine(output, "split.csv")).Where(e => e.Part == SplitPart.Test).Select(e => e.Image).ToList();
        if (test.Count == 0) return;
        var result = ModelEvaluation.Run(files.Zip, test, "test", output);
        var card = ModelCard.Load(files.Card);
        card.Metrics = result.Headline();
        card.MetricsPart = "test";
        card.Save(files.Card);
    }

    /// <summary>Decodes the split, trains, evaluates the best epoch on the test part and writes the run folder.</summary>
    internal static int TrainAndEvaluate(string trainer, TorchTrainingOptions options, IReadOnlyList<SplitEntry> split, string output,
        TrainingProgress progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(output);
        var splitPath = Path.Combine(output, "split.csv");
        if (!options.Resume || !File.Exists(splitPath)) SplitFile.Write(splitPath, split);

        TorchNativeRuntime.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var data = TorchTrainingData.FromSplit(split, options.ImageSize, progress, cancellationToken);
        var decodeSeconds = clock.Elapsed.TotalSeconds;

        var result = new TorchTrainer(options, progress).Train(data, output, cancellationToken);
        var modelPath = Path.Combine(output, "model.bin");
        File.Copy(result.ModelPath, modelPath, overwrite: true);
        WriteOutputs(trainer, options, result, data, split, splitPath, output, decodeSeconds);
        var test = result.Test;
        progress.Message(test is null
            ? "No test part; metrics.json holds validation metrics."
            : string.Create(CultureInfo.InvariantCulture,
                $"Test ({test.Count:N0} images, {(result.Validation is null || options.KeepLastEpoch ? "last" : "best")} epoch {result.State.BestEpoch + 1}): accuracy {test.Accuracy:P2}, precision {test.Precision:P2}, recall {test.Recall:P2}, F1 {test.F1:P2}, AUC {test.Auc:F4}; training {result.State.TrainingSeconds:F0} s. Written to {output}"));
        return 0;
    }

    private static void WriteOutputs(string trainer, TorchTrainingOptions options, TorchTrainingResult result, TorchTrainingData data,
        IReadOnlyList<SplitEntry> split, string splitPath, string output, double decodeSeconds)
    {
        var metrics = result.Test ?? result.Validation ?? throw new InvalidOperationException("A run without validation has a test part.");
        var part = result.Test is null ? "validation" : "test";
        var json = new JsonSerializerOptions(TorchCheckpoint.JsonOptions) { WriteIndented = true };
        AtomicFile.WriteAllText(Path.Combine(output, "metrics.json"), JsonSerializer.Serialize(metrics, json));
        var history = result.State.History;
        var imagesPerSecond = history.Count == 0 ? 0 : history.Average(h => h.ImagesPerSecond);
        var card = new ModelCard
        {
            Labels = data.Labels,
            PositiveLabel = data.Labels[data.PositiveIndex],
            InputWidth = options.ImageSize,
            InputHeight = options.ImageSize,
            Trainer = trainer,
            BackboneSha256 = options.Architecture == TorchArchitecture.MobileNetV2 && options.ImageNetInit ? FileHash.Sha256(options.BackboneOnnx ?? SharedPaths.MobileNetV2Onnx) : null,
            SplitSha256 = FileHash.Sha256(splitPath),
            Seed = options.Seed,
            TrainingSeconds = Math.Round(result.State.TrainingSeconds, 1),
            CreatedUtc = DateTimeOffset.UtcNow,
            Metrics = new Dictionary<string, double>
            {
                ["accuracy"] = metrics.Accuracy, ["precision"] = metrics.Precision, ["recall"] = metrics.Recall,
                ["specificity"] = metrics.Specificity, ["f1"] = metrics.F1, ["auc"] = metrics.Auc, ["logLoss"] = metrics.LogLoss,
            },
            MetricsPart = part,
            Properties = new Dictionary<string, string>
            {
                ["format"] = "TorchSharp state dictionary (model.bin); input raw RGB 0..255, NCHW",
                ["architecture"] = options.Architecture == TorchArchitecture.Cnn && options.CnnStages != MalariaCnn.DefaultStages
                    ? $"Cnn {options.CnnStages}" : options.Architecture.ToString(),
                ["init"] = options.Architecture == TorchArchitecture.MobileNetV2 ? (options.ImageNetInit ? "imagenet" : "scratch") : "scratch",
                ["freezeBackbone"] = options.FreezeBackbone.ToString(),
                ["widthMultiplier"] = options.WidthMultiplier.ToString(CultureInfo.InvariantCulture),
                ["batchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
                ["epochsRun"] = result.State.EpochsDone.ToString(CultureInfo.InvariantCulture),
                ["bestEpoch"] = (result.State.BestEpoch + 1).ToString(CultureInfo.InvariantCulture),
                ["learningRate"] = options.LearningRate.ToString(CultureInfo.InvariantCulture),
                ["schedule"] = options.Schedule.ToString(),
                ["weightDecay"] = options.WeightDecay.ToString(CultureInfo.InvariantCulture),
                ["imagesPerSecond"] = imagesPerSecond.ToString("F1", CultureInfo.InvariantCulture),
            },
        };
        foreach (var (key, value) in options.SettingsOnlyWhenOn()) card.Properties[key] = value;
        if (result.Validation is { } validation) card.Properties["validationAccuracy"] = validation.Accuracy.ToString("F4", CultureInfo.InvariantCulture);
        else card.Properties["selection"] = "last epoch (no validation part: final fit on training and validation patients)";
        if (data.Test is { Count: > 0 } testPart) card.Properties["testImages"] = testPart.Count.ToString(CultureInfo.InvariantCulture);
        TrainingGroups.Record(card.Properties, split.Where(e => e.Part == SplitPart.Train).Select(e => e.Image.Group));
        card.Save(Path.Combine(output, ModelCard.FileName));
        AtomicFile.WriteAllText(Path.Combine(output, TrainingReportFile), Report(trainer, options, result, metrics, part, decodeSeconds, imagesPerSecond));
    }

    private static string Report(string trainer, TorchTrainingOptions options, TorchTrainingResult result, BinaryClassificationMetrics metrics,
        string part, double decodeSeconds, double imagesPerSecond)
    {
        var r = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        r.AppendLine(inv, $"# {trainer} ({options.Architecture}, {options.ImageSize} px) — {part} metrics");
        r.AppendLine();
        r.AppendLine(result.Validation is null || options.KeepLastEpoch
            ? string.Create(inv, $"Last epoch of {result.State.EpochsDone} kept (the number of epochs was fixed beforehand{(result.Validation is null ? "; no validation part" : "")}).")
            : string.Create(inv, $"Best epoch {result.State.BestEpoch + 1} of {result.State.EpochsDone} run (max {options.Epochs}), chosen on validation accuracy {result.Validation.Accuracy:P2}."));
        r.AppendLine(inv, $"Training {result.State.TrainingSeconds:F0} s (plus {decodeSeconds:F0} s decoding), {imagesPerSecond:F0} images/s on average; seed {options.Seed}.");
        r.AppendLine();
        r.AppendLine("| metric | " + part + " | validation |");
        r.AppendLine("|---|---:|---:|");
        var v = result.Validation;
        void Row(string name, double a, double? b) => r.AppendLine(string.Create(inv, $"| {name} | {a:F4} | {(b is { } value ? value.ToString("F4", inv) : "-")} |"));
        Row("accuracy", metrics.Accuracy, v?.Accuracy);
        Row("precision", metrics.Precision, v?.Precision);
        Row("recall (sensitivity)", metrics.Recall, v?.Recall);
        Row("specificity", metrics.Specificity, v?.Specificity);
        Row("F1", metrics.F1, v?.F1);
        Row("AUC", metrics.Auc, v?.Auc);
        Row("log-loss", metrics.LogLoss, v?.LogLoss);
        r.AppendLine();
        r.AppendLine(inv, $"Confusion matrix ({part}, {metrics.Count} images; rows actual, columns predicted; positive = {metrics.PositiveLabel}):");
        r.AppendLine();
        r.AppendLine("| actual \\ predicted | " + string.Join(" | ", metrics.Labels) + " |");
        r.AppendLine("|---|" + string.Concat(metrics.Labels.Select(_ => "---:|")));
        for (var i = 0; i < metrics.Labels.Count; i++)
            r.AppendLine("| " + metrics.Labels[i] + " | " + string.Join(" | ", metrics.ConfusionMatrix[i]) + " |");
        r.AppendLine();
        r.Append(string.Create(inv, $"Hyper-parameters: batch {options.BatchSize}, lr {options.LearningRate} ({options.Schedule}, warm-up {options.WarmupEpochs} epoch(s)), AdamW weight decay {options.WeightDecay}, patience {options.Patience}, augmentation {(options.Augmentation.Enabled ? $"flips/rotations/colour jitter {options.Augmentation.Brightness}{(options.Augmentation.Shift > 0 ? $"/shift +-{options.Augmentation.Shift} px" : "")}{(options.Augmentation.Domain is not null ? $"/domain departures {options.Augmentation.Domain.Version}" : "")}" : "off")}"));
        var mobileNetSettings = options.Architecture == TorchArchitecture.MobileNetV2
            ? string.Create(inv, $", init {(options.ImageNetInit ? "imagenet" : "scratch")}, {(options.FreezeBackbone ? "frozen backbone" : $"backbone lr x{options.BackboneLearningRateFactor}")}, width {options.WidthMultiplier}")
            : $", layout {options.CnnStages}{(options.Normalization == InputNormalization.PerCell ? ", stain normalisation per cell" : "")}";
        r.AppendLine(mobileNetSettings + (options.LabelSmoothing > 0 ? string.Create(inv, $"; label smoothing {options.LabelSmoothing}") : "")
            + (options.MixupAlpha > 0 ? string.Create(inv, $"; mixup alpha {options.MixupAlpha}") : "")
            + (options.WeightAverageDecay > 0 ? string.Create(inv, $"; weights averaged (exponential, decay {options.WeightAverageDecay})") : "")
            + (options.AverageViews ? "; scored as the mean of 8 views" : "")
            + (options.DecisionThreshold != 0.5 ? string.Create(inv, $"; {metrics.PositiveLabel} from probability {options.DecisionThreshold}") : "") + ".");
        r.AppendLine();
        r.AppendLine("Per-epoch figures: history.csv.");
        return r.ToString();
    }
}
