using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.MlNet;
using Malaria.Training.Torch;
using SkiaSharp;
using Spectre.Console;

namespace Malaria.Training.Pipelines;

/// <summary>
/// <c>compare</c>'s pipeline: trains every contender on one patient-level split (reusing finished runs and resuming
/// interrupted ones), then puts their test metrics, size, speed and training time side by side.
/// </summary>
internal static class ModelComparison
{
    /// <summary>One model <c>compare</c> trains: its name, the trainer and (MobileNetV2) whether the backbone is frozen.</summary>
    public sealed record Contender(string Name, string Trainer, bool FreezeBackbone = false);

    /// <summary>The contenders, in the order they are trained and listed.</summary>
    public static readonly IReadOnlyList<Contender> Contenders =
    [
        new("mobilenetv2-features", MobileNetV2FeaturesTraining.TrainerName),
        new("cnn", "cnn"),
        new("mobilenetv2-frozen", "mobilenetv2", FreezeBackbone: true),
        new("mobilenetv2-finetuned", "mobilenetv2"),
    ];

    /// <summary>
    /// Trains (or reuses) each of <paramref name="contenders"/> in <paramref name="folder"/> on the split at
    /// <paramref name="splitPath"/> and writes compare.md, compare.json and confusion-matrices.png.
    /// </summary>
    public static IReadOnlyList<ComparisonRow> Run(string folder, string splitPath, IReadOnlyList<Contender> contenders, int seed, int? epochCap,
        bool retrain, CancellationToken cancellationToken = default)
    {
        var splitSha256 = FileHash.Sha256(splitPath);
        var split = SplitFile.Read(splitPath);
        var testImages = split.Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Path).ToList();
        var rows = new List<ComparisonRow>();
        foreach (var contender in contenders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = Path.Combine(folder, contender.Name);
            var wanted = new RunSettings(contender.Trainer, contender.FreezeBackbone, splitSha256, seed, epochCap);
            if (!retrain && IsFinished(run, wanted))
            {
                AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(contender.Name)}[/]: reusing the finished run in {Markup.Escape(run)} (--retrain trains it again)");
            }
            else
            {
                AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(contender.Name)}[/]");
                var resume = !retrain && IsInterrupted(run, splitSha256);
                if (!resume && Directory.Exists(run)) Directory.Delete(run, recursive: true);
                Train(contender, split, splitPath, run, seed, epochCap, resume, cancellationToken);
            }
            rows.Add(Measure(contender.Name, run, testImages));
        }
        Write(folder, rows);
        return rows;
    }

    /// <summary>Trains one contender with its trainer's defaults, as <c>train --trainer T --split S --out R --seed N</c> would.</summary>
    private static void Train(Contender contender, IReadOnlyList<SplitEntry> split, string splitPath, string run, int seed, int? epochCap, bool resume,
        CancellationToken cancellationToken)
    {
        if (contender.Trainer == MobileNetV2FeaturesTraining.TrainerName)
        {
            MobileNetV2FeaturesTraining.Run(new MobileNetV2FeaturesTraining.Settings
            {
                SplitFile = splitPath,
                RunFolder = run,
                Seed = seed,
                Options = new MobileNetV2FeaturesTrainer.Options
                {
                    BackbonePath = SharedPaths.MobileNetV2Onnx,
                    WorkspacePath = Path.GetFullPath(Path.Combine("artifacts", "cache")),
                    Seed = seed,
                },
            });
            return;
        }
        var architecture = contender.Trainer == "mobilenetv2" ? TorchArchitecture.MobileNetV2 : TorchArchitecture.Cnn;
        var defaults = TorchTrainingOptions.Defaults(architecture);
        var options = defaults with { FreezeBackbone = contender.FreezeBackbone, Seed = seed, Epochs = epochCap ?? defaults.Epochs, Resume = resume };
        NetworkTraining.Run(contender.Trainer, options, split, run, TrainingProgress.Console(), cancellationToken);
    }

    /// <summary>What a contender's run must have been made with to be reused.</summary>
    public sealed record RunSettings(string Trainer, bool FreezeBackbone, string SplitSha256, int Seed, int? EpochCap, int? ImageSize = null);

    // Card properties a TorchSharp run records only when trained or exported unlike compare's contenders
    // (--average-views, --threshold, --weight-average, --label-smoothing, --mixup, --backbone-lr-factor): such a run is another model.
    // "views" is the property of graphs exported before views were a choice; newer cards recommend views in Views.
    private static readonly string[] OtherModelProperties = ["views", "decisionThreshold", "weightAverageDecay", "labelSmoothing", "mixupAlpha", "backboneLrFactor", "domainAugment", "shift", "stainNormalization"];

    /// <summary>
    /// True when <paramref name="run"/> holds a finished model (model.zip, model.json, metrics.json) whose card says it was
    /// trained by the same trainer on the same split with the same seed, freezing, epoch cap and input size, with the
    /// trainer's default layout and settings, and scored on one view.
    /// </summary>
    public static bool IsFinished(string run, RunSettings wanted)
    {
        var modelPath = Path.Combine(run, "model.zip");
        var cardPath = ModelCard.PathBeside(modelPath);
        if (!File.Exists(modelPath) || !File.Exists(cardPath) || !File.Exists(Path.Combine(run, "metrics.json"))) return false;
        var card = ModelCard.Load(cardPath);
        if (card.Trainer != wanted.Trainer || card.SplitSha256 != wanted.SplitSha256 || card.Seed != wanted.Seed) return false;
        if (wanted.Trainer == MobileNetV2FeaturesTraining.TrainerName) return true;
        string? Property(string key) => card.Properties is { } p && p.TryGetValue(key, out var value) ? value : null;
        var mobileNet = wanted.Trainer == "mobilenetv2";
        var defaults = TorchTrainingOptions.Defaults(mobileNet ? TorchArchitecture.MobileNetV2 : TorchArchitecture.Cnn);
        var epochs = wanted.EpochCap ?? defaults.Epochs;
        // The contenders use the trainer's defaults: a run whose card records another layout or another value of any
        // of OtherModelProperties' options (or records one the defaults leave off) is another model.
        var recorded = defaults.SettingsOnlyWhenOn().ToDictionary(p => p.Key, p => p.Value);
        var layout = Property("architecture");
        var layoutMatches = !mobileNet && defaults.CnnStages != MalariaCnn.DefaultStages
            ? layout == $"{nameof(TorchArchitecture.Cnn)} {defaults.CnnStages}"
            : layout is null or nameof(TorchArchitecture.Cnn) or nameof(TorchArchitecture.MobileNetV2);
        return Property("freezeBackbone") == wanted.FreezeBackbone.ToString() && Property("epochs") == epochs.ToString(CultureInfo.InvariantCulture)
            && card.InputWidth == (wanted.ImageSize ?? defaults.ImageSize)
            && layoutMatches && OtherModelProperties.All(key => Property(key) == recorded.GetValueOrDefault(key))
            && (card.Views?.Recommended ?? 1) == 1;
    }

    /// <summary>A TorchSharp run stopped before it finished, on the same split: its checkpoint lets it resume.</summary>
    private static bool IsInterrupted(string run, string splitSha256) =>
        File.Exists(Path.Combine(run, "checkpoint.bin")) && File.Exists(Path.Combine(run, "split.csv"))
        && FileHash.Sha256(Path.Combine(run, "split.csv")) == splitSha256 && !File.Exists(Path.Combine(run, "metrics.json"));

    /// <summary>One model's line of the table; <see cref="AccuracyInterval"/> is the evaluation's 95 % patient-bootstrap
    /// interval (null for runs evaluated before intervals were written).</summary>
    public sealed record ComparisonRow(string Name, IDictionary<string, double> Metrics, long ModelBytes, double SingleImageMilliseconds,
        double BatchImagesPerSecond, double? TrainingSeconds, double? TrainingImagesPerSecond, string ModelPath, Interval? AccuracyInterval = null);

    /// <summary>Reads a run's test metrics and times the exported model through the inference library.</summary>
    public static ComparisonRow Measure(string name, string run, IReadOnlyList<string> testImages)
    {
        var modelPath = Path.Combine(run, "model.zip");
        var card = ModelCard.Load(ModelCard.PathBeside(modelPath));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var metrics = new Dictionary<string, double>();
        foreach (var key in new[] { "accuracy", "precision", "recall", "specificity", "f1", "auc" })
            if (json.RootElement.TryGetProperty(key, out var value)) metrics[key] = value.GetDouble();
        Interval? accuracyInterval = json.RootElement.TryGetProperty("intervals", out var intervals)
            && intervals.TryGetProperty("metrics", out var byMetric) && byMetric.TryGetProperty("accuracy", out var accuracy)
            ? new Interval(accuracy.GetProperty("low").GetDouble(), accuracy.GetProperty("high").GetDouble()) : null;

        using var classifier = MalariaClassifier.Load(modelPath);
        var sample = testImages.Take(64).ToList();
        if (sample.Count == 0) throw new InvalidDataException("The split has no test images to time the models on.");
        classifier.Classify(sample[0]);  // warm-up: first call builds the engine
        // Medians over every sample image and over three batches: one slow call (a GC, another process) moves neither.
        var single = new List<double>();
        foreach (var path in sample)
        {
            var watch = Stopwatch.StartNew();
            classifier.Classify(path);
            single.Add(watch.Elapsed.TotalMilliseconds);
        }
        var batches = new List<double>();
        for (var repeat = 0; repeat < 3; repeat++)
        {
            var batch = Stopwatch.StartNew();
            classifier.ClassifyBatch(sample);
            batches.Add(sample.Count / batch.Elapsed.TotalSeconds);
        }
        var throughput = batches.Order().ElementAt(1);
        double? trainingRate = card.Properties?.TryGetValue("imagesPerSecond", out var rate) == true
            && double.TryParse(rate, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        return new ComparisonRow(name, metrics, new FileInfo(modelPath).Length, single.Order().ElementAt(single.Count / 2), throughput,
            card.TrainingSeconds, trainingRate, modelPath, accuracyInterval);
    }

    /// <summary>Writes compare.md, compare.json and one picture with every confusion matrix.</summary>
    public static void Write(string folder, IReadOnlyList<ComparisonRow> rows)
    {
        var md = new StringBuilder("| model | accuracy | accuracy, 95 % interval by patient | precision | recall | F1 | ROC AUC | model size | single image (median) | batch throughput | training time | training speed |\n")
            .Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        string M(ComparisonRow r, string key) => r.Metrics.TryGetValue(key, out var v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
        string I(ComparisonRow r) => r.AccuracyInterval is { } i ? string.Create(CultureInfo.InvariantCulture, $"{i.Low:F4}-{i.High:F4}") : "-";
        foreach (var r in rows)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Name} | {M(r, "accuracy")} | {I(r)} | {M(r, "precision")} | {M(r, "recall")} | {M(r, "f1")} | {M(r, "auc")} | {r.ModelBytes / 1048576.0:F2} MB | {r.SingleImageMilliseconds:F1} ms | {r.BatchImagesPerSecond:F0} images/s | {(r.TrainingSeconds is { } t ? $"{t:F0} s" : "-")} | {(r.TrainingImagesPerSecond is { } v ? $"{v:F0} images/s" : "-")} |\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "compare.md"), md.ToString());
        AtomicFile.WriteAllText(Path.Combine(folder, "compare.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "confusion-matrices.png"), SideBySide(rows.Select(r => Path.Combine(Path.GetDirectoryName(r.ModelPath)!, "confusion-matrix.png")).ToList(), rows.Select(r => r.Name).ToList()));
        AnsiConsole.WriteLine(md.ToString());
        AnsiConsole.MarkupLine($"Wrote compare.md, compare.json and confusion-matrices.png to [bold]{Markup.Escape(folder)}[/]");
    }

    private static byte[] SideBySide(IReadOnlyList<string> pictures, IReadOnlyList<string> names)
    {
        var bitmaps = pictures.Select(p => SKBitmap.Decode(p) ?? throw new InvalidDataException($"Picture '{p}' is missing or unreadable.")).ToList();
        try
        {
            const int caption = 30;
            var width = bitmaps.Sum(b => b.Width);
            var height = bitmaps.Max(b => b.Height) + caption;
            using var surface = SKSurface.Create(new SKImageInfo(width, height));
            surface.Canvas.Clear(SKColors.White);
            using var paint = new SKPaint { Color = SKColors.Black, TextSize = 18, IsAntialias = true, TextAlign = SKTextAlign.Center };
            var x = 0;
            for (var i = 0; i < bitmaps.Count; i++)
            {
                surface.Canvas.DrawText(names[i], x + bitmaps[i].Width / 2f, 22, paint);
                surface.Canvas.DrawBitmap(bitmaps[i], x, caption);
                x += bitmaps[i].Width;
            }
            using var image = surface.Snapshot();
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}
