using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Torch;
using SkiaSharp;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>compare --data DIR [--split FILE] --out artifacts/compare</c>: trains every model the trainer offers on one
/// patient-level split, then puts their test metrics, size, speed and training time side by side.
/// </summary>
public static class CompareCommand
{
    /// <summary>The contenders: a name and the <c>train</c> arguments that make it.</summary>
    public static readonly IReadOnlyList<(string Name, string[] TrainArguments)> Contenders =
    [
        ("mobilenetv2-features", ["--trainer", "mobilenetv2-features"]),
        ("cnn", ["--trainer", "cnn"]),
        ("mobilenetv2-frozen", ["--trainer", "mobilenetv2", "--freeze-backbone"]),
        ("mobilenetv2-finetuned", ["--trainer", "mobilenetv2"]),
    ];

    public static Command Create()
    {
        var data = CommonOptions.Data(required: false);
        var split = new Option<FileInfo?>("--split") { Description = "Split CSV to use for every model; default: split --data by patient with --seed." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for one run folder per model and compare.md / compare.json / confusion-matrices.png.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "compare")) };
        var seed = CommonOptions.Seed();
        var only = new Option<string[]>("--only") { Description = $"Train only these ({string.Join(", ", Contenders.Select(c => c.Name))}).", AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int?>("--epochs") { Description = "Epoch cap for the TorchSharp networks (default: each trainer's own)." };
        var retrain = new Option<bool>("--retrain") { Description = "Train every model again, even where --out already holds its finished run (by default such runs are reused and an interrupted TorchSharp run is resumed)." };
        var command = new Command("compare", "Train and evaluate every model the trainer offers on one patient-level split and tabulate accuracy, size, speed and training time.")
        {
            data, split, output, seed, only, epochs, retrain,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetRequiredValue(output).FullName;
            Directory.CreateDirectory(folder);
            var splitPath = Path.Combine(folder, "split.csv");
            if (parse.GetValue(split) is { } given) SplitFile.Write(splitPath, SplitFile.Read(given.FullName));
            else
            {
                var dataFolder = parse.GetValue(data)?.FullName ?? throw new CommandLineException("Give --data DIR (split by patient here) or --split FILE.");
                SplitFile.Write(splitPath, PatientSplitter.Split(CommonOptions.LoadDataset(dataFolder, null).Images, parse.GetValue(seed)));
            }
            var chosen = parse.GetValue(only) is { Length: > 0 } names ? Contenders.Where(c => names.Contains(c.Name)).ToList() : Contenders.ToList();
            var splitSha256 = FileHash.Sha256(splitPath);
            var testImages = SplitFile.Read(splitPath).Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Path).ToList();
            var runSeed = parse.GetValue(seed);
            var cap = parse.GetValue(epochs);
            var rows = new List<ComparisonRow>();
            foreach (var (name, arguments) in chosen)
            {
                var run = Path.Combine(folder, name);
                var sizeAt = Array.IndexOf(arguments, "--image-size");
                var wanted = new RunSettings(arguments[1], arguments.Contains("--freeze-backbone"), splitSha256, runSeed, cap,
                    sizeAt >= 0 ? int.Parse(arguments[sizeAt + 1], CultureInfo.InvariantCulture) : null);
                if (!parse.GetValue(retrain) && IsFinished(run, wanted))
                {
                    AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(name)}[/]: reusing the finished run in {Markup.Escape(run)} (--retrain trains it again)");
                }
                else
                {
                    AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(name)}[/]");
                    List<string> args = ["train", .. arguments, "--split", splitPath, "--out", run, "--seed", runSeed.ToString(CultureInfo.InvariantCulture)];
                    if (cap is { } c && wanted.Trainer != TrainCommand.MobileNetV2Features) args.AddRange(["--epochs", c.ToString(CultureInfo.InvariantCulture)]);
                    if (!parse.GetValue(retrain) && IsInterrupted(run, splitSha256)) args.Add("--resume");
                    else if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
                    var code = CommandLineApp.Run([.. args]);
                    if (code != 0) throw new CommandLineException($"Training '{name}' failed (exit code {code}); see its output above.");
                }
                rows.Add(Measure(name, run, testImages));
            }
            Write(folder, rows);
            return 0;
        });
        return command;
    }

    /// <summary>What a contender's run must have been made with to be reused.</summary>
    internal sealed record RunSettings(string Trainer, bool FreezeBackbone, string SplitSha256, int Seed, int? EpochCap, int? ImageSize = null);

    // Card properties a TorchSharp run records only when trained or exported unlike compare's contenders
    // (--average-views, --threshold, --weight-average, --label-smoothing, --mixup, --backbone-lr-factor): such a run is another model.
    private static readonly string[] OtherModelProperties = ["views", "decisionThreshold", "weightAverageDecay", "labelSmoothing", "mixupAlpha", "backboneLrFactor"];

    /// <summary>
    /// True when <paramref name="run"/> holds a finished model (model.zip, model.json, metrics.json) whose card says it was
    /// trained by the same trainer on the same split with the same seed, freezing, epoch cap and input size, in the
    /// default layout and scored on one view.
    /// </summary>
    internal static bool IsFinished(string run, RunSettings wanted)
    {
        var modelPath = Path.Combine(run, "model.zip");
        var cardPath = ModelCard.PathBeside(modelPath);
        if (!File.Exists(modelPath) || !File.Exists(cardPath) || !File.Exists(Path.Combine(run, "metrics.json"))) return false;
        var card = ModelCard.Load(cardPath);
        if (card.Trainer != wanted.Trainer || card.SplitSha256 != wanted.SplitSha256 || card.Seed != wanted.Seed) return false;
        if (wanted.Trainer == TrainCommand.MobileNetV2Features) return true;
        string? Property(string key) => card.Properties is { } p && p.TryGetValue(key, out var value) ? value : null;
        var mobileNet = wanted.Trainer == "mobilenetv2";
        var epochs = wanted.EpochCap ?? TorchTrainCommand.DefaultEpochs(mobileNet);
        // The contenders use the default layout and none of OtherModelProperties' options: a run made with
        // --cnn-stages or any of those options is another model.
        var defaultLayout = Property("architecture") is null or nameof(TorchArchitecture.Cnn) or nameof(TorchArchitecture.MobileNetV2);
        return Property("freezeBackbone") == wanted.FreezeBackbone.ToString() && Property("epochs") == epochs.ToString(CultureInfo.InvariantCulture)
            && card.InputWidth == (wanted.ImageSize ?? TorchTrainCommand.DefaultImageSize(mobileNet))
            && defaultLayout && OtherModelProperties.All(key => Property(key) is null);
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
        if (sample.Count == 0) throw new CommandLineException("The split has no test images to time the models on.");
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
        var bitmaps = pictures.Select(p => SKBitmap.Decode(p) ?? throw new CommandLineException($"Picture '{p}' is missing or unreadable.")).ToList();
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
