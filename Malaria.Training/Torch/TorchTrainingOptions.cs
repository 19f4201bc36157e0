using Malaria.Training.Evaluation;

namespace Malaria.Training.Torch;

/// <summary>Which network the TorchSharp trainer builds.</summary>
internal enum TorchArchitecture
{
    /// <summary>The small from-scratch <see cref="MalariaCnn"/>.</summary>
    Cnn,
    /// <summary><see cref="MobileNetV2"/>, from ImageNet weights or from scratch.</summary>
    MobileNetV2,
}

/// <summary>How the learning rate moves over the run; both start with a linear warm-up.</summary>
internal enum LearningRateSchedule
{
    /// <summary>Linear warm-up, then cosine decay to zero.</summary>
    Cosine,
    /// <summary>One-cycle: warm-up from lr/25 to lr over the first 30 % (at least the warm-up), then cosine annealing to lr/1e4.</summary>
    OneCycle,
}

/// <summary>The network's first layer: how raw pixels become its input.</summary>
internal enum InputNormalization
{
    /// <summary><see cref="PixelNormalization"/>: (x - 128) / 128, the same for every image.</summary>
    Fixed,
    /// <summary><see cref="CellStandardization"/>: each channel standardised over the image's cell pixels.</summary>
    PerCell,
}

/// <summary>Every setting of a TorchSharp training run. Defaults are the CNN's, chosen on the validation part.</summary>
internal sealed record TorchTrainingOptions
{
    public TorchArchitecture Architecture { get; init; } = TorchArchitecture.Cnn;

    /// <summary>CNN only: channels x conv blocks per stage (<see cref="MalariaCnn.DefaultStages"/>).</summary>
    public string CnnStages { get; init; } = MalariaCnn.DefaultStages;

    /// <summary>CNN only: the first layer (<c>--stain-normalization</c>).</summary>
    public InputNormalization Normalization { get; init; } = InputNormalization.Fixed;

    /// <summary>MobileNetV2 only: start from the ImageNet ONNX weights (true) or from random weights.</summary>
    public bool ImageNetInit { get; init; } = true;

    /// <summary>MobileNetV2 only: train the classifier head alone.</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>MobileNetV2 width multiplier (1.0 is the only one with ImageNet weights).</summary>
    public double WidthMultiplier { get; init; } = 1.0;

    /// <summary>The pretrained MobileNetV2 ONNX file.</summary>
    public string? BackboneOnnx { get; init; }

    public int ImageSize { get; init; } = 64;
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 20;
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Fine-tuning: the backbone's rate is <see cref="LearningRate"/> times this.</summary>
    public double BackboneLearningRateFactor { get; init; } = DefaultBackboneLearningRateFactor;

    public const double DefaultBackboneLearningRateFactor = 0.1;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;
    public double WarmupEpochs { get; init; } = 1;
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>
    /// Keep the last epoch instead of the best by validation accuracy, and run every epoch (cross-validation folds and
    /// final fits, where the number of epochs was chosen beforehand). A split without a validation part implies it.
    /// </summary>
    public bool KeepLastEpoch { get; init; }

    /// <summary>Stop after this many epochs without a better validation accuracy (0 disables early stopping).</summary>
    public int Patience { get; init; } = 6;

    public int Seed { get; init; } = 42;

    /// <summary>Training augmentation; <see cref="Augmentation.None"/> turns it off.</summary>
    public Augmentation Augmentation { get; init; } = new();

    /// <summary>LibTorch intra-op threads, also the threads assembling training batches; 0 lets LibTorch choose (all cores).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Score held-out images (the final validation and test evaluation, and the exported model) as the mean logits of
    /// their 8 rotations and mirror images. Epochs are still chosen on single-view validation accuracy.
    /// </summary>
    public bool AverageViews { get; init; }

    /// <summary>
    /// The positive-class probability from which a cell is called positive, in the final evaluation and inside the
    /// exported model (<see cref="DecisionThreshold"/>). Epochs are still chosen at 0.5.
    /// </summary>
    public double DecisionThreshold { get; init; } = 0.5;

    /// <summary>
    /// Keep an exponential moving average of the weights with this per-step decay (<see cref="WeightAverage"/>); the
    /// averaged weights are validated, kept and exported. 0 keeps none (the trained weights are used as they are).
    /// </summary>
    public double WeightAverageDecay { get; init; }

    /// <summary>
    /// Train towards 1 - s/2 for the true class and s/2 for the other (of two) instead of 1 and 0, so the network is
    /// not pushed to ever larger logits on cells it already gets right. 0 trains on the hard labels.
    /// </summary>
    public double LabelSmoothing { get; init; }

    /// <summary>
    /// Blend each training batch with a shuffle of itself (<see cref="Mixup"/>), the mixing weight drawn from
    /// Beta(alpha, alpha) per batch. 0 trains on the images as they are.
    /// </summary>
    public double MixupAlpha { get; init; }

    /// <summary>Also train towards a teacher's cached predictions (<see cref="Torch.Distillation"/>); null trains on the labels alone.</summary>
    public Distillation? Distillation { get; init; }

    /// <summary>Continue from <c>checkpoint.bin</c> in the output folder.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// A network's defaults, as <c>train</c> uses them when no option is given: the settings chosen by patient
    /// cross-validation (docs/experiments/): the CNN with one conv block at full resolution and two in the next
    /// two stages (<see cref="ChosenCnnStages"/>) at 64 px, label smoothing 0.1, 40 epochs at 3e-3; MobileNetV2 from the ImageNet
    /// weights at 128 px, 12 epochs at 1e-3 with the backbone at 0.3 of that rate; flips, rotations and colour jitter
    /// on, and for the CNN the departures towards other labs' crops (<see cref="DomainAugmentation"/>).
    /// </summary>
    public static TorchTrainingOptions Defaults(TorchArchitecture architecture)
    {
        var mobileNet = architecture == TorchArchitecture.MobileNetV2;
        return new TorchTrainingOptions
        {
            Architecture = architecture,
            ImageNetInit = mobileNet,
            ImageSize = mobileNet ? 128 : 64,
            Epochs = mobileNet ? 12 : 40,
            LearningRate = mobileNet ? 1e-3 : 3e-3,
            BackboneLearningRateFactor = mobileNet ? 0.3 : DefaultBackboneLearningRateFactor,
            CnnStages = mobileNet ? MalariaCnn.DefaultStages : ChosenCnnStages,
            LabelSmoothing = mobileNet ? 0 : 0.1,
            Augmentation = Augmentation.WithColorJitter(Augmentation.DefaultColorJitter) with { Domain = mobileNet ? null : DomainAugmentation.Default },
        };
    }

    /// <summary>
    /// The CNN layout chosen by cross-validation. <see cref="MalariaCnn.DefaultStages"/> stays the layout a checkpoint
    /// or card that records none was trained with.
    /// </summary>
    public const string ChosenCnnStages = "16x1,32x2,64x2,128x1";

    /// <summary>
    /// The settings that are off by default, named only when on, as the model card and cross-validation record them:
    /// runs made before such a setting existed keep their recorded settings (and cross-validation folds keep matching).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> SettingsOnlyWhenOn()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (LabelSmoothing > 0) yield return new("labelSmoothing", LabelSmoothing.ToString(inv));
        if (Normalization != InputNormalization.Fixed) yield return new("stainNormalization", "per-cell");
        if (Augmentation.Shift > 0) yield return new("shift", Augmentation.Shift.ToString(inv));
        if (Augmentation.Domain is not null) yield return new("domainAugment", Augmentation.Domain.Version);
        if (MixupAlpha > 0) yield return new("mixupAlpha", MixupAlpha.ToString(inv));
        if (Distillation is not null) foreach (var setting in Distillation.Settings()) yield return setting;
        if (WeightAverageDecay > 0) yield return new("weightAverageDecay", WeightAverageDecay.ToString(inv));
        // Only a fine-tuned MobileNetV2 has a backbone trained at its own rate; elsewhere the factor changes nothing.
        if (Architecture == TorchArchitecture.MobileNetV2 && !FreezeBackbone && BackboneLearningRateFactor != DefaultBackboneLearningRateFactor)
            yield return new("backboneLrFactor", BackboneLearningRateFactor.ToString(inv));
    }
}
