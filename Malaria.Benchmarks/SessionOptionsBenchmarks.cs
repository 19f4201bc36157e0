using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// ONNX Runtime session settings for the library's ONNX models, on the one-view CNN with ready tensors (one image, and
/// a batch of 64): intra-op threads (1, or 0 = one per physical core), graph optimisation level and the memory
/// pattern. The execution mode is left sequential: the exported networks are chains with no branches to run in parallel.
/// </summary>
[BenchmarkCategory("SessionOptions")]
public class SessionOptionsBenchmarks
{
    private InferenceSession _session = null!;
    private OrtValue _one = null!;
    private OrtValue _batch = null!;
    private readonly RunOptions _run = new();

    [Params(1, 0)]
    public int IntraOpThreads { get; set; }

    [Params(GraphOptimizationLevel.ORT_ENABLE_BASIC, GraphOptimizationLevel.ORT_ENABLE_ALL)]
    public GraphOptimizationLevel Optimization { get; set; }

    [Params(true, false)]
    public bool MemoryPattern { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = Optimization,
            EnableMemoryPattern = MemoryPattern,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(ViewsBenchmarks.OneViewModelPath, options);
        var random = new Random(5);
        var pixels = new float[64 * 3 * 64 * 64];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = random.Next(256);
        _one = OrtValue.CreateTensorValueFromMemory(pixels[..(3 * 64 * 64)], [1, 3, 64, 64]);
        _batch = OrtValue.CreateTensorValueFromMemory(pixels, [64, 3, 64, 64]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _one.Dispose();
        _batch.Dispose();
        _run.Dispose();
    }

    [Benchmark(Description = "raw ORT [1,3,64,64]")]
    public float One() => Run(_one);

    [Benchmark(Description = "raw ORT [64,3,64,64]")]
    public float Batch() => Run(_batch);

    private float Run(OrtValue input)
    {
        using var outputs = _session.Run(_run, ["input"], [input], ["probabilities"]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
