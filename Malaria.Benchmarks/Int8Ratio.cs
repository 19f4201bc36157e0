using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// A plain back-to-back throughput ratio of the int8 and float graphs (<see cref="QuantizedModelPair"/>) for a shared
/// machine, where wall-clock rates swing with other people's load: both sessions run on one ONNX Runtime thread (unless
/// told otherwise), and
/// each round times the two models on the same [64,3,S,S] tensor by the CPU time the process used (which other
/// processes do not inflate) as well as by the clock. Rounds alternate which model goes first, and the medians of
/// the per-round ratios are reported.
/// <c>MALARIA_INT8_MODEL=artifacts/int8/m dotnet run -c Release --project Malaria.Benchmarks -- int8-ratio [rounds] [threads]</c>
/// </summary>
public static class Int8Ratio
{
    public const string Command = "int8-ratio";
    private const int BatchSize = 64;
    private const int RunsPerRound = 3;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
        // One thread by default: CPU time then measures the work itself, not worker threads spinning while they wait.
        // 0 gives ONNX Runtime's default (one thread per core, as the library runs); then read the clock ratio.
        var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var models = QuantizedModelPair.FromEnvironment();
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        // MALARIA_ORT_PROFILE=PREFIX: ONNX Runtime writes each session's per-operator timings to PREFIX-float/-int8*.json.
        var profile = Environment.GetEnvironmentVariable("MALARIA_ORT_PROFILE");
        SessionOptions Options(string name)
        {
            if (string.IsNullOrEmpty(profile)) return options;
            var profiled = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            profiled.EnableProfiling = true;
            profiled.ProfileOutputPathPrefix = $"{profile}-{name}";
            return profiled;
        }
        using var floatSession = new InferenceSession(models.FloatOnnx, Options("float"));
        using var int8Session = new InferenceSession(models.Int8Onnx, Options("int8"));
        using var runOptions = new RunOptions();
        var random = new Random(1);
        var tensor = new float[BatchSize * 3 * models.InputSize * models.InputSize];
        for (var i = 0; i < tensor.Length; i++) tensor[i] = random.Next(256);
        var process = Process.GetCurrentProcess();

        (double Wall, double Cpu) ImagesPerSecond(InferenceSession session)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < RunsPerRound; r++)
            {
                using var input = OrtValue.CreateTensorValueFromMemory(tensor, [BatchSize, 3, models.InputSize, models.InputSize]);
                using var outputs = session.Run(runOptions, ["input"], [input], ["probabilities"]);
            }
            var wall = clock.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            return (RunsPerRound * BatchSize / wall, RunsPerRound * BatchSize / cpu);
        }

        ImagesPerSecond(floatSession);  // warm-up: first runs allocate arenas and pick kernels
        ImagesPerSecond(int8Session);
        var floats = new List<(double Wall, double Cpu)>();
        var int8s = new List<(double Wall, double Cpu)>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which goes first so neither always follows the other's cache state.
            if (round % 2 == 0) { floats.Add(ImagesPerSecond(floatSession)); int8s.Add(ImagesPerSecond(int8Session)); }
            else { int8s.Add(ImagesPerSecond(int8Session)); floats.Add(ImagesPerSecond(floatSession)); }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}/{rounds}: float {floats[^1].Cpu:F0} img/CPU-s ({floats[^1].Wall:F0} img/s), int8 {int8s[^1].Cpu:F0} img/CPU-s ({int8s[^1].Wall:F0} img/s)"));
        }
        var cpuRatios = int8s.Zip(floats, (q, f) => q.Cpu / f.Cpu).Order().ToList();
        var wallRatios = int8s.Zip(floats, (q, f) => q.Wall / f.Wall).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(threads == 0 ? "ORT's default threads" : $"{threads} thread(s)")}, batch {BatchSize}, medians of {rounds} rounds of {RunsPerRound} batches: float {Median(floats.Select(f => f.Cpu)):F0} img/CPU-s, int8 {Median(int8s.Select(f => f.Cpu)):F0} img/CPU-s; "
            + $"int8/float by CPU time {Median(cpuRatios):F2} (range {cpuRatios[0]:F2}-{cpuRatios[^1]:F2}), by the clock {Median(wallRatios):F2} (range {wallRatios[0]:F2}-{wallRatios[^1]:F2})"));
        Console.WriteLine($"float: {models.FloatOnnx}\nint8:  {models.Int8Onnx}");
        if (!string.IsNullOrEmpty(profile)) Console.WriteLine($"profiles: {floatSession.EndProfiling()}, {int8Session.EndProfiling()}");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
