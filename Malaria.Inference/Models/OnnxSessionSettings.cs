using Microsoft.ML.OnnxRuntime;

namespace Malaria.Inference.Models;

/// <summary>
/// The ONNX Runtime session settings of every ONNX model the library loads, chosen by measurement
/// (docs/inference-benchmarks.md, "Session options", <c>SessionOptionsBenchmarks</c>): the graphs are small
/// convolutional chains, run by many callers at once (each with its own engine over one shared session) or by a batch
/// whose decoding already keeps the other cores busy.
/// </summary>
internal static class OnnxSessionSettings
{
    /// <param name="intraOpThreads">Threads per run: 1 runs on the caller's thread (callers scale by being many); 0 is
    /// ONNX Runtime's own default, one per physical core.</param>
    public static SessionOptions Create(int intraOpThreads) => new()
    {
        // Full graph optimisation (fusions, layout changes) was 2 to 4 times faster than basic on the exported CNN.
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        // The exported networks are chains: there is nothing for the parallel executor to run side by side.
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        InterOpNumThreads = 1,
        IntraOpNumThreads = intraOpThreads,
        // Batch shapes vary (the last run of a batch is short); planning memory per shape measured no gain.
        EnableMemoryPattern = false,
    };
}
