using Microsoft.ML.OnnxRuntime;

namespace Malaria.Inference.Models;

/// <summary>
/// The ONNX Runtime session settings of every ONNX model the library loads, chosen by measurement
/// (docs/inference-benchmarks.md, "Session options"): the graphs are small convolutional networks run by many callers
/// at once, each with its own engine over one shared session.
/// </summary>
internal static class OnnxSessionSettings
{
    public static SessionOptions Create() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        EnableMemoryPattern = true,
        // 0: ONNX Runtime's default, one intra-op thread per physical core.
        IntraOpNumThreads = 0,
        InterOpNumThreads = 1,
    };
}
