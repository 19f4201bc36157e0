using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
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
        var command = new Command("compare", "Train and evaluate every model the trainer offers on one patient-level split and tabulate accuracy, size, speed and training time.")
        {
            data, split, output, seed, only, epochs,
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
            var rows = new List<ComparisonRow>();
            foreach (var (name, arguments) in chosen)
            {
                AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(name)}[/]");
                var run = Path.Combine(folder, name);
                List<string> args = ["train", .. arguments, "--split", splitPath, "--out", run, "--seed", parse.GetValue(seed).ToString(CultureInfo.InvariantCulture)];
                if (parse.GetValue(epochs) is { } cap && arguments.Contains("mobilenetv2-features") is false) args.AddRange(["--epochs", cap.ToString(CultureInfo.InvariantCulture)]);
                var code = CommandLineApp.Run([.. args]);
                if (code != 0) throw new CommandLineException($"Training '{name}' failed (exit code {code}); see its output above.");
                rows.Add(Measure(name, run, SplitFile.Read(splitPath).Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Path).ToList()));
            }
            Write(folder, rows);
            return 0;
        });
        return command;
    }

    /// <summary>One model's line of the table.</summary>
    public sealed record ComparisonRow(string Name, IDictionary<string, double> Metrics, long ModelBytes, double SingleImageMilliseconds,
        double BatchImagesPerSecond, double? TrainingSeconds, string ModelPath);

    /// <summary>Reads a run's test metrics and times the exported model through the inference library.</summary>
    public static ComparisonRow Measure(string name, string run, IReadOnlyList<string> testImages)
    {
        var modelPath = Path.Combine(run, "model.zip");
        var card = ModelCard.Load(ModelCard.PathBeside(modelPath));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var metrics = new Dictionary<string, double>();
        foreach (var key in new[] { "accuracy", "precision", "recall", "specificity", "f1", "auc" })
            if (json.RootElement.TryGetProperty(key, out var value)) metrics[key] = value.GetDouble();

        using var classifier = MalariaClassifier.Load(modelPath);
        var sample = testImages.Take(64).ToList();
        if (sample.Count == 0) throw new CommandLineException("The split has no test images to time the models on.");
        classifier.Classify(sample[0]);  // warm-up: first call builds the engine
        var single = new List<double>();
        foreach (var path in sample.Take(32))
        {
            var watch = Stopwatch.StartNew();
            classifier.Classify(path);
            single.Add(watch.Elapsed.TotalMilliseconds);
        }
        var batch = Stopwatch.StartNew();
        classifier.ClassifyBatch(sample);
        var throughput = sample.Count / batch.Elapsed.TotalSeconds;
        return new ComparisonRow(name, metrics, new FileInfo(modelPath).Length, single.Order().ElementAt(single.Count / 2), throughput, card.TrainingSeconds, modelPath);
    }

    /// <summary>Writes compare.md, compare.json and one picture with every confusion matrix.</summary>
    public static void Write(string folder, IReadOnlyList<ComparisonRow> rows)
    {
        var md = new StringBuilder("| model | accuracy | precision | recall | F1 | ROC AUC | model size | single image (median) | batch throughput | training time |\n")
            .Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        string M(ComparisonRow r, string key) => r.Metrics.TryGetValue(key, out var v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
        foreach (var r in rows)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Name} | {M(r, "accuracy")} | {M(r, "precision")} | {M(r, "recall")} | {M(r, "f1")} | {M(r, "auc")} | {r.ModelBytes / 1048576.0:F2} MB | {r.SingleImageMilliseconds:F1} ms | {r.BatchImagesPerSecond:F0} images/s | {(r.TrainingSeconds is { } t ? $"{t:F0} s" : "-")} |\n");
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
