using System.Diagnostics;
using System.Globalization;
using Malaria.Inference;
using Malaria.Inference.Pooling;

namespace Malaria.Benchmarks;

/// <summary>
/// Per-call latency of one image through the pool on real cell crops, as a user's single request meets it: the
/// built-in model (or <c>MALARIA_MODEL</c>), library defaults, a fixed sample of the NIH PNGs read into memory first,
/// each call timed alone, and the percentiles printed. BenchmarkDotNet's generated 130 x 130 noise images cost more to
/// decode than real crops (they do not compress, and they have no mask, so every call also frames them); this reads
/// the images a user sends.
/// <c>dotnet run -c Release --project Malaria.Benchmarks -- latency [files] [rounds] [folder]</c>; <c>MALARIA_ORT_THREADS</c>
/// sets <see cref="MalariaClassifierOptions.OnnxIntraOpThreads"/> (default 1, the library's; 0 is one per core).
/// </summary>
public static class SingleImageLatency
{
    public const string Command = "latency";
    private const string ModelName = "default";

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var folder = args.Length > 3 ? args[3] : Path.Combine("..", "shared", "datasets", "malaria", "cell_images");
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"latency: no image folder at {Path.GetFullPath(folder)}; give one as the third argument.");
            return 2;
        }
        // Every k-th file of the sorted list: the same sample on every run, both classes, many patients.
        var all = Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var step = Math.Max(1, all.Count / count);
        var files = all.Where((_, i) => i % step == 0).Take(count).ToList();
        var bytes = files.Select(File.ReadAllBytes).ToList();

        var modelPath = Environment.GetEnvironmentVariable("MALARIA_MODEL");
        var options = new MalariaClassifierOptions();
        if (Environment.GetEnvironmentVariable("MALARIA_ORT_THREADS") is { Length: > 0 } threads)
            options.OnnxIntraOpThreads = int.Parse(threads, CultureInfo.InvariantCulture);
        using var pool = string.IsNullOrEmpty(modelPath)
            ? new MalariaPredictionEnginePool(options).FromDefault(ModelName)
            : new MalariaPredictionEnginePool(options).FromFile(ModelName, modelPath);
        Console.WriteLine($"{files.Count} PNG files from {Path.GetFullPath(folder)} ({bytes.Sum(b => (long)b.Length) / files.Count:N0} bytes on average), model {pool.GetVersion(ModelName)}, {Environment.ProcessorCount} cores, ONNX Runtime threads per run {options.OnnxIntraOpThreads}");

        // Warm-up: engines created, code jitted (tiered to its optimised tier), ONNX Runtime's first runs done.
        for (var i = 0; i < Math.Min(200, files.Count); i++) pool.Classify(ModelName, bytes[i], files[i]);

        Report("bytes -> prediction, pool.Classify(name, bytes)", Time(files.Count, rounds, i => pool.Classify(ModelName, bytes[i], files[i])));
        Report("path -> prediction, pool.Classify(name, path)", Time(files.Count, rounds, i => pool.Classify(ModelName, files[i])));
        Report("bytes -> prediction, 8 views", Time(files.Count, 1, i => pool.Classify(ModelName, bytes[i], files[i], ScoringViews.Dihedral)));
        return 0;
    }

    private static double[] Time(int count, int rounds, Func<int, CellPrediction> call)
    {
        var times = new double[count * rounds];
        for (var r = 0; r < rounds; r++)
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                call(i);
                times[r * count + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        Array.Sort(times);
        return times;
    }

    private static void Report(string what, double[] sorted)
    {
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: p50 {At(0.5):F3} ms, p90 {At(0.9):F3} ms, p99 {At(0.99):F3} ms, mean {sorted.Average():F3} ms ({sorted.Length} calls)"));
    }
}
