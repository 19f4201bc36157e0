using System.CommandLine;
using System.Globalization;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;
using Malaria.Training.Torch;

namespace Malaria.Training.Commands;

/// <summary>
/// The TorchSharp part of <c>train</c>: <c>--trainer cnn|mobilenetv2</c> with their options. <see cref="AddTo"/> adds
/// the options to a shared <c>train</c> command and <see cref="Run"/> handles a parse result whose trainer is one of
/// <see cref="Trainers"/>; <see cref="Create"/> makes a stand-alone command (<c>train-torch</c>).
/// </summary>
public static class TorchTrainCommand
{
    /// <summary>The <c>--trainer</c> values this handler serves.</summary>
    public static readonly IReadOnlyList<string> Trainers = ["cnn", "mobilenetv2"];

    private sealed record Symbols(
        Option<string> Trainer, Option<DirectoryInfo?> Data, Option<FileInfo?> Split, Option<DirectoryInfo> Out,
        Option<string> Init, Option<bool> FreezeBackbone, Option<double?> Width, Option<int?> ImageSize, Option<int?> BatchSize,
        Option<int?> Epochs, Option<double?> LearningRate, Option<double?> BackboneLrFactor, Option<string?> Schedule,
        Option<double?> Warmup, Option<double?> WeightDecay, Option<int?> Patience, Option<int> Seed, Option<bool> NoAugment, Option<double?> ColorJitter,
        Option<int> Threads, Option<bool> Resume, Option<FileInfo?> Backbone, Option<bool?> AverageViews, Option<string?> CnnStages, Option<double?> Threshold,
        Option<double?> WeightAverage, Option<double?> LabelSmoothing, Option<double?> Mixup, Option<int?> Shift, Option<string?> DomainAugment, Option<bool> StainNormalization,
        Option<FileInfo?> Teacher, Option<double?> DistillWeight, Option<double?> DistillTemperature);

    /// <summary>What <see cref="AddTo"/> gave a command: its symbols, and the options it added (those it found there already are shared).</summary>
    private sealed record Registration(Symbols Symbols, IReadOnlyList<Option> Added);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, Registration> RegistrationByCommand = [];

    /// <summary>A stand-alone command with all options (for <c>train-torch</c> or tests).</summary>
    public static Command Create(string name = "train-torch")
    {
        var trainer = new Option<string>("--trainer") { Description = "Network: cnn (small, from scratch) or mobilenetv2 (ImageNet or scratch).", DefaultValueFactory = _ => "cnn" };
        trainer.AcceptOnlyFromAmong([.. Trainers]);
        var command = new Command(name, "Train a CNN or MobileNetV2 with TorchSharp (LibTorch, CPU) on a patient-level split, then evaluate it on the test part.") { trainer };
        AddTo(command, trainer);
        command.SetAction((parse, token) => Task.FromResult(Run(command, parse, token)));
        return command;
    }

    /// <summary>Adds this handler's options (all but <c>--trainer</c>, which the caller owns) to <paramref name="command"/>.</summary>
    public static void AddTo(Command command, Option<string> trainer)
    {
        var symbols = new Symbols(
            trainer,
            SharedOption(command, "--data") as Option<DirectoryInfo?> ?? new Option<DirectoryInfo?>("--data", "-d") { Description = "Labeled image folder (one subfolder per label); split by patient with --seed unless --split is given." },
            SharedOption(command, "--split") as Option<FileInfo?> ?? new Option<FileInfo?>("--split") { Description = "Split CSV from 'split' (path,label,group,part); overrides the automatic patient split." },
            SharedOption(command, "--out") as Option<DirectoryInfo> ?? new Option<DirectoryInfo>("--out", "-o") { Description = "Run folder: checkpoints, history.csv, model, metrics.json, report.md, training-report.md.", Required = true },
            new Option<string>("--init") { Description = "mobilenetv2: imagenet (import the ONNX backbone) or scratch.", DefaultValueFactory = _ => "imagenet" },
            new Option<bool>("--freeze-backbone") { Description = "mobilenetv2: train only the classifier head." },
            new Option<double?>("--width") { Description = "mobilenetv2 width multiplier (ImageNet weights only for 1.0)." },
            new Option<int?>("--image-size") { Description = "Square input size in pixels (default: cnn 64, mobilenetv2 128; mobilenetv2 needs a multiple of 32, the cnn of 8 with four stages)." },
            new Option<int?>("--batch-size") { Description = "Images per step (default 64)." },
            new Option<int?>("--epochs") { Description = "Maximum epochs (default: cnn 40, mobilenetv2 12)." },
            new Option<double?>("--lr") { Description = "Peak learning rate of the head/network (default: cnn 3e-3, mobilenetv2 1e-3)." },
            new Option<double?>("--backbone-lr-factor") { Description = "mobilenetv2 fine-tuning: backbone rate = lr x this (default 0.3)." },
            new Option<string?>("--schedule") { Description = "cosine or onecycle, both with linear warm-up (default onecycle)." },
            new Option<double?>("--warmup") { Description = "Warm-up in epochs (default 1)." },
            new Option<double?>("--weight-decay") { Description = "AdamW decoupled weight decay (default 0.01)." },
            new Option<int?>("--patience") { Description = "Early stopping: epochs without better validation accuracy (default 6; 0 = off)." },
            SharedOption(command, "--seed") as Option<int> ?? CommonOptions.Seed(),
            new Option<bool>("--no-augment") { Description = "Turn off flips, rotations and colour jitter." },
            new Option<double?>("--color-jitter") { Description = "Colour jitter strength: brightness and contrast vary by up to +-this, each channel's gain by half of it (default 0.1)." },
            new Option<int>("--threads") { Description = "LibTorch threads, and threads assembling the augmented batches between steps (default: all cores)." },
            new Option<bool>("--resume") { Description = "Continue the interrupted run in --out from its last checkpoint." },
            SharedOption(command, "--backbone") as Option<FileInfo?> ?? new Option<FileInfo?>("--backbone") { Description = "mobilenetv2: the ImageNet ONNX file (default ../shared/models/mobilenetv2-imagenet/mobilenetv2_1.0_224.onnx)." },
            SharedOption(command, "--average-views") as Option<bool?> ?? new Option<bool?>("--average-views") { Description = "Score every image as the mean of its 8 rotations and mirror images in the final evaluation, and record 8 as the model's recommended views in model.json (the library averages them when asked; 8 times the inference work; default off)." },
            new Option<string?>("--cnn-stages") { Description = $"cnn: channels x conv blocks per stage, a 2x2 max-pool between stages (default {TorchTrainingOptions.ChosenCnnStages})." },
            SharedOption(command, "--threshold") as Option<double?> ?? CommonOptions.Threshold(),
            new Option<double?>("--weight-average") { Description = "Keep an exponential moving average of the weights with this decay per step (e.g. 0.998) and validate, keep and export the averaged weights (default off)." },
            new Option<double?>("--label-smoothing") { Description = "Train towards soft targets: the true class 1 - s + s/classes, the others s/classes (default: cnn 0.1, mobilenetv2 0; 0 = hard labels)." },
            new Option<double?>("--mixup") { Description = "Mixup: blend each training batch with a shuffle of itself, weight drawn from Beta(alpha, alpha), such as 0.2 (default 0: off)." },
            new Option<int?>("--shift") { Description = "Move each training image by up to +-this many pixels in each direction, filling the uncovered border black like the crops' background (default 0: off)." },
            new Option<string?>("--domain-augment") { Arity = ArgumentArity.ZeroOrOne, Description = $"Also train on departures towards other labs' crops: a cell cut at the crop's edge or small in it, plasma or neighbouring cells in the black mask, fainter, brighter, darker or re-saturated stain; v2 adds crowded crops and Giemsa stain amounts. Give a set ({string.Join(", ", DomainAugmentation.Versions)}; alone: {DomainAugmentation.Default.Version}) or false (default: cnn {DomainAugmentation.Default.Version}, mobilenetv2 off)." },
            new Option<bool>("--stain-normalization") { Description = "cnn: make the first layer a per-image stain normalisation, each channel standardised over the cell's pixels (default off: (x - 128) / 128)." },
            new Option<FileInfo?>("--teacher") { Description = $"Distil: also train towards a teacher's predictions, a CSV with path and probability columns such as 'score' writes (DIR/scores.csv), covering every training image. crossvalidate needs one per fold: a path with {Distillation.FoldPlaceholder}, each from a teacher that never saw that fold's held-out patients (default off)." },
            new Option<double?>("--distill-weight") { Description = $"With --teacher: the teacher's share of the loss, above 0 up to 1; the labels keep the rest (default {Distillation.DefaultWeight.ToString(CultureInfo.InvariantCulture)})." },
            new Option<double?>("--distill-temperature") { Description = $"With --teacher: both sides' logits are divided by this before they are compared (default {Distillation.DefaultTemperature.ToString(CultureInfo.InvariantCulture)})." });
        symbols.Init.AcceptOnlyFromAmong("imagenet", "scratch");
        symbols.Schedule.AcceptOnlyFromAmong("cosine", "onecycle");
        var added = new List<Option>();
        foreach (var option in new Option[] { symbols.Data, symbols.Split, symbols.Out, symbols.Init, symbols.FreezeBackbone, symbols.Width,
                     symbols.ImageSize, symbols.BatchSize, symbols.Epochs, symbols.LearningRate, symbols.BackboneLrFactor, symbols.Schedule,
                     symbols.Warmup, symbols.WeightDecay, symbols.Patience, symbols.Seed, symbols.NoAugment, symbols.ColorJitter, symbols.Threads, symbols.Resume, symbols.Backbone, symbols.AverageViews, symbols.CnnStages, symbols.Threshold, symbols.WeightAverage, symbols.LabelSmoothing, symbols.Mixup, symbols.Shift, symbols.DomainAugment, symbols.StainNormalization, symbols.Teacher, symbols.DistillWeight, symbols.DistillTemperature })
        {
            if (command.Options.Contains(option)) continue;
            command.Options.Add(option);
            added.Add(option);
        }
        RegistrationByCommand.AddOrUpdate(command, new Registration(symbols, added));
    }

    /// <summary>The options only the networks read: those <see cref="AddTo"/> added to <paramref name="command"/> rather than shared.</summary>
    public static IReadOnlyList<Option> NetworkOnlyOptions(Command command) =>
        Registered(command).Added;

    private static Registration Registered(Command command) =>
        RegistrationByCommand.TryGetValue(command, out var registration) ? registration : throw new InvalidOperationException("Call AddTo on the command first.");

    /// <summary>The input size when --image-size is not given.</summary>
    public static int DefaultImageSize(bool mobileNet) => TorchTrainingOptions.Defaults(Architecture(mobileNet)).ImageSize;

    /// <summary>The epoch cap when --epochs is not given: 8 for MobileNetV2 (its training is far slower per epoch), 20 for the CNN.</summary>
    public static int DefaultEpochs(bool mobileNet) => TorchTrainingOptions.Defaults(Architecture(mobileNet)).Epochs;

    private static TorchArchitecture Architecture(bool mobileNet) => mobileNet ? TorchArchitecture.MobileNetV2 : TorchArchitecture.Cnn;

    private static Option? SharedOption(Command command, string name) => command.Options.FirstOrDefault(o => o.Name == name);

    /// <summary>Runs a parse result of a command prepared with <see cref="AddTo"/>; returns the exit code.</summary>
    public static int Run(Command command, ParseResult parse, CancellationToken cancellationToken = default, string? calibrationPath = null)
    {
        var (trainer, options, split, output) = Parse(command, parse);
        if (options.Distillation is { IsPerFold: true } perFold)
            throw new CommandLineException($"--teacher '{perFold.Teacher}': {Distillation.FoldPlaceholder} names one teacher per fold, for crossvalidate; train takes one predictions file.");
        // Checked here so a bad file is a command-line error before training starts.
        CommonOptions.LoadCalibration(calibrationPath, options.DecisionThreshold);
        NetworkTraining.Run(trainer, options, split, output, TrainingProgress.Console(), cancellationToken, calibrationPath);
        return 0;
    }

    /// <summary>The trainer name, options, split and output folder a parse result of a command prepared with <see cref="AddTo"/> asks for.</summary>
    internal static (string Trainer, TorchTrainingOptions Options, IReadOnlyList<SplitEntry> Split, string Output) Parse(Command command, ParseResult parse)
    {
        var s = Registered(command).Symbols;
        var trainer = parse.GetValue(s.Trainer) ?? "cnn";
        var mobileNet = trainer == "mobilenetv2";
        var defaults = TorchTrainingOptions.Defaults(Architecture(mobileNet));
        var options = defaults with
        {
            ImageNetInit = defaults.ImageNetInit && parse.GetValue(s.Init) != "scratch",
            FreezeBackbone = parse.GetValue(s.FreezeBackbone),
            WidthMultiplier = parse.GetValue(s.Width) ?? defaults.WidthMultiplier,
            BackboneOnnx = parse.GetValue(s.Backbone)?.FullName,
            ImageSize = parse.GetValue(s.ImageSize) ?? defaults.ImageSize,
            BatchSize = parse.GetValue(s.BatchSize) ?? defaults.BatchSize,
            Epochs = parse.GetValue(s.Epochs) ?? defaults.Epochs,
            LearningRate = parse.GetValue(s.LearningRate) ?? defaults.LearningRate,
            BackboneLearningRateFactor = parse.GetValue(s.BackboneLrFactor) ?? defaults.BackboneLearningRateFactor,
            Schedule = parse.GetValue(s.Schedule) == "cosine" ? LearningRateSchedule.Cosine : LearningRateSchedule.OneCycle,
            WarmupEpochs = parse.GetValue(s.Warmup) ?? defaults.WarmupEpochs,
            WeightDecay = parse.GetValue(s.WeightDecay) ?? defaults.WeightDecay,
            Patience = parse.GetValue(s.Patience) ?? defaults.Patience,
            Seed = parse.GetValue(s.Seed),
            Augmentation = parse.GetValue(s.NoAugment)
                ? Augmentation.None
                : Augmentation.WithColorJitter(parse.GetValue(s.ColorJitter) ?? Augmentation.DefaultColorJitter) with
                {
                    Shift = parse.GetValue(s.Shift) ?? 0,
                    Domain = DomainSet(parse, s.DomainAugment, defaults.Augmentation.Domain),
                },
            Threads = parse.GetValue(s.Threads),
            Resume = parse.GetValue(s.Resume),
            AverageViews = parse.GetValue(s.AverageViews) ?? false,
            CnnStages = parse.GetValue(s.CnnStages) ?? defaults.CnnStages,
            DecisionThreshold = CommonOptions.ThresholdValue(parse.GetValue(s.Threshold)),
            WeightAverageDecay = parse.GetValue(s.WeightAverage) ?? 0,
            LabelSmoothing = parse.GetValue(s.LabelSmoothing) ?? defaults.LabelSmoothing,
            MixupAlpha = parse.GetValue(s.Mixup) ?? 0,
            Normalization = parse.GetValue(s.StainNormalization) ? InputNormalization.PerCell : InputNormalization.Fixed,
            Distillation = ParseDistillation(parse, s),
        };
        if (options.MixupAlpha is < 0 or > 10)
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--mixup {options.MixupAlpha}: give an alpha from 0 (off) to 10, such as 0.2."));
        if (options.LabelSmoothing is < 0 or >= 1)
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--label-smoothing {options.LabelSmoothing}: give a value from 0 up to (not including) 1, such as 0.1."));
        if (parse.GetValue(s.WeightAverage) is { } decay && decay is <= 0 or >= 1)
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--weight-average {decay}: give a decay between 0 and 1 (exclusive), such as 0.998."));
        if (mobileNet && parse.GetValue(s.CnnStages) is not null) throw new CommandLineException("--cnn-stages applies to --trainer cnn only.");
        // The ImageNet weights were trained on (x - 128) / 128 inputs.
        if (mobileNet && parse.GetValue(s.StainNormalization)) throw new CommandLineException("--stain-normalization applies to --trainer cnn only.");
        // MobileNetV2 halves its input five times; the CNN once between each pair of stages. A size the
        // pooling does not divide would drop border pixels and misalign Grad-CAM maps.
        var stride = mobileNet ? 32 : 1 << (MalariaCnn.ParseStages(options.CnnStages).Length - 1);
        if (options.ImageSize is < 32 or > 512 || options.ImageSize % stride != 0)
            throw new CommandLineException($"--image-size {options.ImageSize}: use a multiple of {stride} between 32 and 512 for {trainer}.");
        if (parse.GetValue(s.NoAugment) && DomainSet(parse, s.DomainAugment, null) is not null)
            throw new CommandLineException("--domain-augment is an augmentation; it cannot go with --no-augment.");
        if (parse.GetValue(s.NoAugment) && parse.GetValue(s.Shift) is > 0)
            throw new CommandLineException("--shift is an augmentation; it cannot go with --no-augment.");
        if (options.Augmentation.Shift < 0 || options.Augmentation.Shift > Augmentation.MaxShift(options.ImageSize))
            throw new CommandLineException($"--shift {options.Augmentation.Shift}: give 0 (off) up to {Augmentation.MaxShift(options.ImageSize)} pixels for {options.ImageSize} px images.");
        if (options.Distillation is not null && options.MixupAlpha > 0)
            throw new CommandLineException("--teacher cannot go with --mixup: a blended image has no teacher prediction.");
        if (options.BatchSize < 2) throw new CommandLineException("--batch-size must be at least 2 (BatchNorm needs more than one image).");
        if (options.Epochs < 1) throw new CommandLineException("--epochs must be at least 1.");
        var output = parse.GetRequiredValue(s.Out).FullName;
        var split = ResolveSplit(parse.GetValue(s.Data)?.FullName, parse.GetValue(s.Split)?.FullName, output, options);
        return (trainer, options, split, output);
    }

    /// <summary>--teacher with its weight and temperature, or null; the two alone are an error, as they would change nothing.</summary>
    private static Distillation? ParseDistillation(ParseResult parse, Symbols s)
    {
        var weight = parse.GetValue(s.DistillWeight);
        var temperature = parse.GetValue(s.DistillTemperature);
        if (parse.GetValue(s.Teacher) is not { } teacher)
        {
            if (weight is not null || temperature is not null) throw new CommandLineException("--distill-weight and --distill-temperature apply with --teacher FILE.");
            return null;
        }
        if (weight is { } w && w is <= 0 or > 1)
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--distill-weight {w}: give a share above 0 and at most 1, such as 0.5."));
        if (temperature is { } t && t is <= 0 or > 20)
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--distill-temperature {t}: give a temperature above 0 and at most 20, such as 1 or 2."));
        return new Distillation(teacher.FullName, weight ?? Distillation.DefaultWeight, temperature ?? Distillation.DefaultTemperature);
    }

    /// <summary>The split to train on: --split, else the run folder's own split.csv when resuming, else a fresh patient split of --data.</summary>
    internal static IReadOnlyList<SplitEntry> ResolveSplit(string? data, string? splitFile, string output, TorchTrainingOptions options)
    {
        var runSplit = Path.Combine(output, "split.csv");
        if (splitFile is not null) return SplitFile.Read(splitFile);
        if (options.Resume && File.Exists(runSplit)) return SplitFile.Read(runSplit);
        if (data is null) throw new CommandLineException("Give --data DIR (split by patient here) or --split FILE.");
        if (!Directory.Exists(data)) throw new DirectoryNotFoundException($"--data '{data}' does not exist.");
        var dataset = DatasetLoading.Load(data, null);
        if (dataset.Problems.Count > 0) Console.WriteLine($"{dataset.Problems.Count} file(s) left out; run 'inspect' for the list.");
        return PatientSplitter.Split(dataset.Images, options.Seed);
    }

    /// <summary>The domain departures <c>--domain-augment</c> names: the default set alone, a named set, false for none, or <paramref name="fallback"/> when not given.</summary>
    private static DomainAugmentation? DomainSet(ParseResult parse, Option<string?> option, DomainAugmentation? fallback)
    {
        if (parse.GetResult(option) is not { Implicit: false }) return fallback;
        return parse.GetValue(option) switch
        {
            null or "true" or "on" => DomainAugmentation.Default,
            "false" or "off" => null,
            var name => DomainAugmentation.Named(name)
                ?? throw new CommandLineException($"--domain-augment {name}: give one of {string.Join(", ", DomainAugmentation.Versions)}, or false to turn it off."),
        };
    }
}
