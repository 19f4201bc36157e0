using Malaria.Training.Onnx.Proto;
using Malaria.Training.Torch;
using Malaria.Training.Onnx;

namespace Malaria.Training.Export;

/// <summary>
/// <see cref="CellStandardization"/> (<c>--stain-normalization</c>) as ONNX operators (opset 13): the cell mask from
/// the brightest channel, each channel's mean and variance over the mask, and (x - mean) / sqrt(variance + 1) inside
/// it, 0 outside. Step for step what the TorchSharp module computes, so the exported file scores as trained.
/// </summary>
internal static class OnnxCellStandardization
{
    /// <summary>Appends the layer to <paramref name="graph"/> on raw pixels <paramref name="input"/> [N,3,H,W]; returns its output's name.</summary>
    public static string Emit(OnnxGraphBuilder graph, string input)
    {
        var brightest = graph.Node("ReduceMax", "cell_brightest", [input], OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1));
        var inside = graph.Node("Greater", "cell_inside", [brightest, graph.Initializer("cell_threshold", [CellStandardization.CellThreshold])]);
        var mask = graph.Node("Cast", "cell_mask", [inside], OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
        // ReduceSum takes its axes as an input from opset 13 on.
        var spatial = graph.Int64Initializer("cell_axes", 2, 3);
        string SpatialSum(string x, string stem) => graph.Node("ReduceSum", stem, [x, spatial], OnnxGraphBuilder.Int("keepdims", 1));

        var count = graph.Node("Max", "cell_count", [SpatialSum(mask, "cell_area"), graph.Initializer("cell_min_count", [1f])]);
        var mean = graph.Node("Div", "cell_mean", [SpatialSum(graph.Node("Mul", "cell_pixels", [input, mask]), "cell_sum"), count]);
        var centred = graph.Node("Mul", "cell_centred", [graph.Node("Sub", "cell_offset", [input, mean]), mask]);
        var variance = graph.Node("Div", "cell_variance", [SpatialSum(graph.Node("Mul", "cell_square", [centred, centred]), "cell_square_sum"), count]);
        var deviation = graph.Node("Sqrt", "cell_deviation", [graph.Node("Add", "cell_variance_eps", [variance, graph.Initializer("cell_eps", [1f])])]);
        return graph.Node("Div", "normalised", [centred, deviation]);
    }
}
