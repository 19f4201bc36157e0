using static Malaria.Inference.Tests.TinyOnnxModel;

namespace Malaria.Inference.Tests.Views;

/// <summary>
/// A small ONNX classifier whose scores depend on where the colours are, so its views score differently: logits =
/// the flattened input times fixed pseudo-random weights (optionally an output), probabilities = their softmax. Its
/// maps follow the image: <c>cam_pre_relu</c> = (red - 128, 128 - red) per pixel, <c>cam</c> = their Relu. A view's
/// map turned back onto the upright image is therefore the upright map itself.
/// </summary>
internal static class PositionalOnnxModel
{
    public const int Size = 16;

    /// <summary>The logits weights, [3*Size*Size, 2] row-major: what the test recomputes by hand.</summary>
    public static float[] Weights { get; } = CreateWeights();

    public static byte[] Create(bool withLogits = true, bool withCamPreRelu = true)
    {
        var features = 3 * Size * Size;
        var graph = new Proto();
        graph.Message(1, Node("Flatten", ["input"], ["flat"], Int("axis", 1)));
        graph.Message(1, Node("MatMul", ["flat", "W"], ["logits"]));
        graph.Message(1, Node("Softmax", ["logits"], ["probabilities"], Int("axis", 1)));
        graph.Message(1, Node("Conv", ["input", "Wc", "Bc"], ["cam_pre_relu"], Ints("kernel_shape", 1, 1)));
        graph.Message(1, Node("Relu", ["cam_pre_relu"], ["cam"]));
        graph.String(2, "positional-malaria");
        graph.Message(5, Tensor("W", [features, 2], Weights));
        graph.Message(5, Tensor("Wc", [2, 3, 1, 1], [1, 0, 0, -1, 0, 0]));
        graph.Message(5, Tensor("Bc", [2], [-128, 128]));
        graph.Message(11, ValueInfo("input", ["N", 3, Size, Size]));
        graph.Message(12, ValueInfo("probabilities", ["N", 2]));
        if (withLogits) graph.Message(12, ValueInfo("logits", ["N", 2]));
        graph.Message(12, ValueInfo("cam", ["N", 2, Size, Size]));
        if (withCamPreRelu) graph.Message(12, ValueInfo("cam_pre_relu", ["N", 2, Size, Size]));

        return TinyOnnxModel.ModelBytes(graph);
    }

    /// <summary>The graph's logits for one [3,Size,Size] tensor, computed here in double precision.</summary>
    public static double[] Logits(float[] chw)
    {
        var logits = new double[2];
        for (var i = 0; i < chw.Length; i++)
            for (var k = 0; k < 2; k++) logits[k] += chw[i] * (double)Weights[i * 2 + k];
        return logits;
    }

    private static float[] CreateWeights()
    {
        var random = new Random(11);
        var weights = new float[3 * Size * Size * 2];
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.001f;
        return weights;
    }
}
