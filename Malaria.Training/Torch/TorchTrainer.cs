using System.Diagnostics;
using System.Globalization;
using System.Text;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Torch.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// What a finished run produced; <see cref="Validation"/> is null when the split had no validation part, and
/// <see cref="ValidationProbabilities"/> holds the kept model's positive-class probability of each validation image.
/// </summary>
internal sealed record TorchTrainingResult(TrainingState State, BinaryClassificationMetrics? Validation,
    BinaryClassificationMetrics? Test, string ModelPath, float[]? ValidationProbabilities = null);

/// <summary>
/// Trains a <see cref="MalariaCnn"/> or <see cref="MobileNetV2"/> with AdamW and a warm-up schedule, validates every
/// epoch, keeps the best weights by validation accuracy (ties: lower loss), stops early, and checkpoints atomically
/// after each epoch so <see cref="TorchTrainingOptions.Resume"/> continues exactly where the run stopped. With
/// <see cref="TorchTrainingOptions.KeepLastEpoch"/>, or without a validation part (a final fit on training and
/// validation patients together), every epoch runs and the last one is kept.
/// </summary>
internal sealed class TorchTrainer(TorchTrainingOptions options, TrainingProgress progress)
{
    public const string BestWeightsFile = "best.bin";
    public const string HistoryFile = "history.csv";

    /// <summary>Tells <see cref="Mixup"/>'s random stream apart from the augmentation's, which uses (seed, epoch, batch).</summary>
    private const int MixupStream = 0x4D495850;

    /// <summary>Builds the network the options describe (ImageNet weights imported when asked).</summary>
    public static nn.Module<Tensor, Tensor> CreateModel(TorchTrainingOptions options, int classes)
    {
        switch (options.Architecture)
        {
            case TorchArchitecture.Cnn:
                return new MalariaCnn(classes, options.CnnStages, options.Normalization);
            case TorchArchitecture.MobileNetV2:
                var model = new MobileNetV2(classes, options.WidthMultiplier);
                if (options.ImageNetInit)
                {
                    var onnx = options.BackboneOnnx ?? SharedPaths.MobileNetV2Onnx;
                    if (!File.Exists(onnx)) throw new FileNotFoundException($"The ImageNet MobileNetV2 '{onnx}' does not exist; pass --init scratch or provide the file.");
                    MobileNetV2OnnxImporter.Import(onnx, model);
                }
                return model;
            default:
                throw new ArgumentOutOfRangeException(nameof(options));
        }
    }

    public TorchTrainingResult Train(TorchTrainingData data, string outputFolder, CancellationToken cancellationToken = default)
    {
        TorchNativeRuntime.EnsureLoaded();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        Directory.CreateDirectory(outputFolder);
        var checkpointPath = Path.Combine(outputFolder, TorchCheckpoint.FileName);
        var bestPath = Path.Combine(outputFolder, BestWeightsFile);

        using var model = CreateModel(options, data.Labels.Count);
        var (backbone, head) = SplitParameters(model);
        var frozenBackbone = options.Architecture == TorchArchitecture.MobileNetV2 && options.FreezeBackbone;
        if (frozenBackbone) foreach (var p in backbone) p.requires_grad = false;
        var groups = new List<AdamW.ParamGroup> { new(head, new AdamW.Options { LearningRate = options.LearningRate }) };
        if (!frozenBackbone && backbone.Count > 0)
            groups.Add(new AdamW.ParamGroup(backbone, new AdamW.Options { LearningRate = options.LearningRate * BackboneFactor }));
        using var optimizer = optim.AdamW(groups, options.LearningRate, weight_decay: options.WeightDecay);
        // The average starts as a copy of the initial weights, so building it draws nothing the training run uses.
        using var average = options.WeightAverageDecay > 0
            ? new WeightAverage(model, CreateModel(options with { ImageNetInit = false }, data.Labels.Count), options.WeightAverageDecay)
            : null;
        // Validated, kept and exported: the averaged weights when the run keeps an average.
        var kept = average?.Model ?? model;
        var mixup = options.MixupAlpha > 0 ? new Mixup(options.MixupAlpha) : null;
        if (mixup is not null && options.Distillation is not null)
            throw new InvalidOperationException("Mixup and distillation cannot be combined: a blended image has no teacher prediction.");
        float[]? teacher = null;
        if (options.Distillation is { } distillation)
        {
            teacher = TeacherPredictions.For(data.Train, distillation.Teacher);
            progress.Message(string.Create(CultureInfo.InvariantCulture,
                $"Distilling from '{distillation.Teacher}' (weight {distillation.Weight}, temperature {distillation.Temperature})."));
        }

        var state = new TrainingState
        {
            Architecture = options.Architecture.ToString(), ImageSize = options.ImageSize, WidthMultiplier = options.WidthMultiplier,
            // Written only for a non-default layout, so default runs' checkpoints stay as they were.
            CnnStages = options.Architecture == TorchArchitecture.Cnn && options.CnnStages != MalariaCnn.DefaultStages ? options.CnnStages : null,
            WeightAverageDecay = average?.Decay,
            Normalization = options.Normalization == InputNormalization.PerCell ? nameof(InputNormalization.PerCell) : null,
        };
        if (options.Resume)
        {
            if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"--resume: no checkpoint '{checkpointPath}' to continue from.");
            var saved = TorchCheckpoint.ReadState(checkpointPath);
            if (saved.Architecture != state.Architecture || saved.ImageSize != state.ImageSize || saved.WidthMultiplier != state.WidthMultiplier || saved.CnnStages != state.CnnStages || saved.Normalization != state.Normalization)
                throw new InvalidOperationException($"--resume: checkpoint '{checkpointPath}' is a {saved.Architecture} at {saved.ImageSize} px (width {saved.WidthMultiplier}, layout {saved.CnnStages ?? "default"}, input {saved.Normalization ?? "fixed"}), not a {state.Architecture} at {state.ImageSize} px (width {state.WidthMultiplier}, layout {state.CnnStages ?? "default"}, input {state.Normalization ?? "fixed"}).");
            if (saved.WeightAverageDecay != state.WeightAverageDecay)
                throw new InvalidOperationException($"--resume: checkpoint '{checkpointPath}' was trained with weight average {Describe(saved.WeightAverageDecay)}, not {Describe(state.WeightAverageDecay)}.");
            state = TorchCheckpoint.Load(checkpointPath, model, optimizer, average?.Model);
            progress.Message($"Resuming after epoch {state.EpochsDone} (best validation accuracy {state.BestAccuracy:P2} at epoch {state.BestEpoch + 1}).");
        }
        else if (File.Exists(checkpointPath))
        {
            throw new InvalidOperationException($"'{outputFolder}' already holds a run ({TorchCheckpoint.FileName}); pass --resume to continue it or choose another --out.");
        }

        var stepsPerEpoch = data.Train.Count / options.BatchSize;
        if (stepsPerEpoch == 0) throw new InvalidDataException($"The training part has {data.Train.Count} images, fewer than one batch of {options.BatchSize}.");
        var totalSteps = stepsPerEpoch * options.Epochs;
        // Every epoch runs exactly stepsPerEpoch steps, so the average's update count follows from the epochs done.
        var updates = (long)state.EpochsDone * stepsPerEpoch;
        var trainIndices = Enumerable.Range(0, data.Train.Count).ToArray();
        var clock = Stopwatch.StartNew();
        var secondsBefore = state.TrainingSeconds;
        var hasValidation = data.Validation.Count > 0;
        var keepLast = options.KeepLastEpoch || !hasValidation;
        if (!hasValidation && state.EpochsDone == 0) progress.Message($"No validation part: all {options.Epochs} epochs run and the last one is kept.");
        if (state.EpochsDone == 0 && options.Augmentation.Enabled)
            AugmentationSheet.Write(Path.Combine(outputFolder, AugmentationSheet.FileName), data.Train, data.Labels, options);

        for (var epoch = state.EpochsDone; epoch < options.Epochs && !state.Stopped; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            torch.manual_seed(Seeds.Mix(options.Seed, epoch, 7));
            SetTrainingMode(model, frozenBackbone);
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            var step = 0;
            var learningRate = 0.0;
            progress.EpochStarted(epoch, options.Epochs, stepsPerEpoch);
            foreach (var batch in BatchProducer.Batches(data.Train, trainIndices, options.BatchSize, shuffle: true,
                         options.Augmentation, options.Seed, epoch, dropLast: true, cancellationToken, options.Threads > 0 ? options.Threads : null))
            {
                using var scope = torch.NewDisposeScope();
                learningRate = LearningRateAt(epoch * stepsPerEpoch + step, stepsPerEpoch, totalSteps);
                var groupIndex = 0;
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = learningRate * (groupIndex++ == 0 ? 1 : BackboneFactor);

                var n = batch.Labels.Length;
                // Its own stream per step, apart from the augmentation's, so turning mixup on changes nothing else.
                var mixed = mixup?.Mix(batch, data.Train.ImageBytes, new Random(Seeds.Mix(Seeds.Mix(options.Seed, epoch, step), MixupStream, 0)));
                var input = ChannelsLastInput.For(model, mixed?.Pixels ?? batch.Pixels, n, data.Train.Size);
                var target = torch.tensor(batch.Labels);
                var logits = model.forward(input);
                // Smoothing softens only the training targets; validation losses stay plain cross-entropy.
                var loss = nn.functional.cross_entropy(logits, target, label_smoothing: options.LabelSmoothing);
                if (mixed is not null)
                    loss = loss * mixed.Weight + nn.functional.cross_entropy(logits, torch.tensor(mixed.PartnerLabels), label_smoothing: options.LabelSmoothing) * (1 - mixed.Weight);
                if (teacher is not null)
                    loss = options.Distillation!.Loss(logits, loss, [.. batch.Indices.Select(i => teacher[i])], data.PositiveIndex);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                average?.Update(updates++);

                lossSum += loss.item<float>() * n;
                correct += logits.argmax(1).eq(target).sum().item<long>();
                seen += n;
                step++;
                progress.Step(step, lossSum / seen, (double)correct / seen, (int)seen);
            }
            var trainSeconds = epochClock.Elapsed.TotalSeconds;

            var (validationAccuracy, validationAuc, validationLoss) = (double.NaN, double.NaN, double.NaN);
            if (hasValidation)
            {
                var (validation, loss, _) = Evaluate(kept, data.Validation, data.Labels, data.PositiveIndex);
                (validationAccuracy, validationAuc, validationLoss) = (validation.Accuracy, validation.Auc, loss);
            }
            var improved = keepLast || validationAccuracy > state.BestAccuracy || (validationAccuracy == state.BestAccuracy && validationLoss < state.BestLoss);
            if (improved) TorchCheckpoint.SaveWeights(bestPath, kept);
            var record = new EpochRecord(epoch + 1, lossSum / seen, (double)correct / seen, validationLoss, validationAccuracy,
                validationAuc, learningRate, epochClock.Elapsed.TotalSeconds, seen / trainSeconds);
            var stale = improved ? 0 : state.EpochsWithoutImprovement + 1;
            state = state with
            {
                EpochsDone = epoch + 1,
                BestEpoch = improved ? epoch : state.BestEpoch,
                BestAccuracy = improved ? validationAccuracy : state.BestAccuracy,
                BestLoss = improved ? validationLoss : state.BestLoss,
                EpochsWithoutImprovement = stale,
                Stopped = !keepLast && options.Patience > 0 && stale >= options.Patience,
                TrainingSeconds = secondsBefore + clock.Elapsed.TotalSeconds,
                History = [.. state.History, record],
            };
            TorchCheckpoint.Save(checkpointPath, state, model, optimizer, average?.Model);
            WriteHistory(Path.Combine(outputFolder, HistoryFile), state.History);
            var validationText = hasValidation
                ? string.Create(CultureInfo.InvariantCulture, $"validation loss {validationLoss:F4} acc {validationAccuracy:P2} auc {validationAuc:F4}{(improved && !keepLast ? " (best)" : "")}")
                : "no validation";
            progress.Message(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch + 1}/{options.Epochs}: train loss {record.TrainLoss:F4} acc {record.TrainAccuracy:P2} | {validationText} | {record.ImagesPerSecond:F0} img/s, {record.Seconds:F0} s"));
            if (state.Stopped) progress.Message($"Early stop: no better validation accuracy for {stale} epochs.");
        }

        if (!File.Exists(bestPath)) throw new InvalidOperationException($"No epoch finished, so there is no model in '{outputFolder}'.");
        AtomicFile.WriteAllBytes(Path.Combine(outputFolder, HistoryChart.FileName), HistoryChart.Draw(Path.Combine(outputFolder, HistoryFile)));
        TorchCheckpoint.LoadWeights(bestPath, model);
        BinaryClassificationMetrics? bestValidation = null, test = null;
        float[]? validationProbabilities = null;
        if (hasValidation) (bestValidation, _, validationProbabilities) = Evaluate(model, data.Validation, data.Labels, data.PositiveIndex, options.AverageViews, options.DecisionThreshold);
        if (data.Test is { Count: > 0 }) (test, _, _) = Evaluate(model, data.Test, data.Labels, data.PositiveIndex, options.AverageViews, options.DecisionThreshold);
        return new TorchTrainingResult(state, bestValidation, test, bestPath, validationProbabilities);
    }

    private static string Describe(double? decay) => decay is { } d ? $"decay {d.ToString(CultureInfo.InvariantCulture)}" : "off";

    private double BackboneFactor => options.Architecture == TorchArchitecture.MobileNetV2 ? options.BackboneLearningRateFactor : 1.0;

    /// <summary>Linear warm-up, then cosine decay (to 0) or the one-cycle shape (from lr/25 up, then down to lr/1e4).</summary>
    internal double LearningRateAt(int step, int stepsPerEpoch, int totalSteps)
    {
        var peak = options.LearningRate;
        var warmup = (int)Math.Round(options.WarmupEpochs * stepsPerEpoch);
        double floor = 0, start = 0;
        if (options.Schedule == LearningRateSchedule.OneCycle)
        {
            warmup = Math.Max(warmup, (int)(0.3 * totalSteps));
            floor = peak / 1e4;
            start = peak / 25;
        }
        if (step < warmup) return start + (peak - start) * (step + 1) / warmup;
        var progressRatio = (double)(step - warmup) / Math.Max(1, totalSteps - warmup);
        return floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progressRatio)));
    }

    /// <summary>
    /// Metrics, mean cross-entropy and each image's positive-class probability over a whole part, in evaluation mode
    /// without gradients; with <paramref name="averageViews"/> every image is scored by its 8 views' mean logits, and
    /// images whose positive probability reaches <paramref name="threshold"/> count as called positive.
    /// </summary>
    internal static (BinaryClassificationMetrics Metrics, double Loss, float[] Probabilities) Evaluate(nn.Module<Tensor, Tensor> model, DecodedImageSet set,
        IReadOnlyList<string> labels, int positiveIndex, bool averageViews = false, double threshold = 0.5, int batchSize = 256)
    {
        if (averageViews) batchSize = Math.Max(1, batchSize / TorchViewAveraging.ViewCount);
        model.eval();
        using var noGrad = torch.no_grad();
        var probabilities = new float[set.Count];
        double lossSum = 0;
        foreach (var batch in BatchProducer.Batches(set, Enumerable.Range(0, set.Count).ToArray(), batchSize, shuffle: false,
                     Augmentation.None, 0, 0, dropLast: false))
        {
            using var scope = torch.NewDisposeScope();
            var n = batch.Labels.Length;
            var input = ChannelsLastInput.For(model, batch.Pixels, n, set.Size);
            var logits = averageViews ? TorchViewAveraging.MeanLogits(model, input) : model.forward(input);
            var target = torch.tensor(batch.Labels);
            lossSum += nn.functional.cross_entropy(logits, target).item<float>() * n;
            var positive = nn.functional.softmax(logits, 1)[.., positiveIndex].data<float>().ToArray();
            for (var i = 0; i < n; i++) probabilities[batch.Indices[i]] = positive[i];
        }
        var metrics = BinaryClassificationMetrics.Compute(set.Labels, probabilities, labels, positiveIndex, threshold);
        return (metrics, set.Count == 0 ? 0 : lossSum / set.Count, probabilities);
    }

    /// <summary>Backbone parameters (everything but the classifier) and head parameters.</summary>
    private static (List<Parameter> Backbone, List<Parameter> Head) SplitParameters(nn.Module model)
    {
        var backbone = new List<Parameter>();
        var head = new List<Parameter>();
        foreach (var (name, parameter) in model.named_parameters())
            (name.StartsWith("classifier", StringComparison.Ordinal) ? head : backbone).Add(parameter);
        return (backbone, head);
    }

    /// <summary>
    /// Training mode, except BatchNorm in an ImageNet-initialised MobileNetV2: its statistics were folded into the
    /// convolutions (mean 0, variance 1 after import), and re-estimating them from small cell batches would wreck the
    /// pretrained features, so those layers stay in evaluation mode (their scale and shift still train).
    /// </summary>
    private void SetTrainingMode(nn.Module model, bool frozenBackbone)
    {
        model.train();
        if (options.Architecture == TorchArchitecture.MobileNetV2 && (options.ImageNetInit || frozenBackbone))
            foreach (var module in model.modules())
                if (module is BatchNorm2d) module.eval();
    }

    private static void WriteHistory(string path, IEnumerable<EpochRecord> history)
    {
        var text = new StringBuilder("epoch,trainLoss,trainAccuracy,validationLoss,validationAccuracy,validationAuc,learningRate,seconds,imagesPerSecond\n");
        foreach (var r in history)
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Epoch},{r.TrainLoss:G6},{r.TrainAccuracy:G6},{r.ValidationLoss:G6},{r.ValidationAccuracy:G6},{r.ValidationAuc:G6},{r.LearningRate:G6},{r.Seconds:F1},{r.ImagesPerSecond:F1}\n"));
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
