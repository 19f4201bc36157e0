namespace Malaria.Training.Onnx;

/// <summary>
/// Test-time augmentation written into an exported network's graph: every input image goes through the network as its
/// 8 rotations and mirror images (the dihedral group of the square, which leaves a cell's diagnosis unchanged), and
/// the graph returns the mean of their logits. The class activation maps are turned back to the upright image before
/// they are averaged, so the averaged map is still Grad-CAM of the averaged logit exactly: with a pooled linear head
/// the logit is the map's spatial mean plus the bias, and flipping or transposing a map keeps its mean.
/// </summary>
/// <remarks>The views, in batch order: the image, mirrored left-right, mirrored top-bottom, turned 180 degrees, and the
/// same four of its transpose. The views are stacked along the batch axis, [N,...] becomes [8N,...], view-major.</remarks>
internal static class OnnxViewAveraging
{
    public const int ViewCount = 8;

    /// <summary>The 8 views of <paramref name="input"/> [N,C,S,S] stacked into one [8N,C,S,S] batch.</summary>
    public static string StackViews(OnnxGraphBuilder graph, string input)
    {
        var slices = SliceBounds(graph);
        var h = graph.Int64Initializer("view_axis_h", 2);
        var w = graph.Int64Initializer("view_axis_w", 3);
        string Flip(string x, string axis) => graph.Node("Slice", "view_flip", [x, slices.Start, slices.End, axis, slices.Step]);
        var mirrored = Flip(input, w);
        var transposed = graph.Node("Transpose", "view_transpose", [input], OnnxGraphBuilder.Ints("perm", 0, 1, 3, 2));
        var transposedMirrored = Flip(transposed, w);
        return graph.Node("Concat", "views", [
            input, mirrored, Flip(input, h), Flip(mirrored, h),
            transposed, transposedMirrored, Flip(transposed, h), Flip(transposedMirrored, h),
        ], OnnxGraphBuilder.Int("axis", 0));
    }

    /// <summary>[8N,K] per-view values (logits) to their mean over the views, [N,K].</summary>
    public static string MeanOverViews(OnnxGraphBuilder graph, string perView, long width)
    {
        var stacked = graph.Node("Reshape", "per_view", [perView, graph.Int64Initializer("per_view_shape", ViewCount, -1, width)]);
        return graph.Node("ReduceMean", "view_mean", [stacked], OnnxGraphBuilder.Ints("axes", 0), OnnxGraphBuilder.Int("keepdims", 0));
    }

    /// <summary>
    /// [8N,C,h,w] per-view maps to their mean [N,C,h,w] after each is flipped and transposed back onto the upright image
    /// (each view's inverse: the flips undo themselves, and the transpose comes last because it was applied first).
    /// </summary>
    public static string MeanOfAlignedMaps(OnnxGraphBuilder graph, string perViewMaps, long channels, long height, long width)
    {
        var stacked = graph.Node("Reshape", "map_per_view", [perViewMaps, graph.Int64Initializer("map_per_view_shape", ViewCount, -1, channels, height, width)]);
        var views = graph.NodeWithOutputs("Split", "map_view", ViewCount, [stacked], OnnxGraphBuilder.Int("axis", 0));

        var slices = SliceBounds(graph);
        var h = graph.Int64Initializer("map_axis_h", 3);
        var w = graph.Int64Initializer("map_axis_w", 4);
        string Flip(string x, string axis) => graph.Node("Slice", "map_flip", [x, slices.Start, slices.End, axis, slices.Step]);
        string Transpose(string x) => graph.Node("Transpose", "map_transpose", [x], OnnxGraphBuilder.Ints("perm", 0, 1, 2, 4, 3));
        string[] aligned =
        [
            views[0], Flip(views[1], w), Flip(views[2], h), Flip(Flip(views[3], h), w),
            Transpose(views[4]), Transpose(Flip(views[5], w)), Transpose(Flip(views[6], h)), Transpose(Flip(Flip(views[7], h), w)),
        ];
        var all = graph.Node("Concat", "maps_aligned", aligned, OnnxGraphBuilder.Int("axis", 0));
        return graph.Node("ReduceMean", "map_mean", [all], OnnxGraphBuilder.Ints("axes", 0), OnnxGraphBuilder.Int("keepdims", 0));
    }

    /// <summary>Slice bounds that reverse an axis: from the last element (-1) past the first, step -1.</summary>
    private static (string Start, string End, string Step) SliceBounds(OnnxGraphBuilder graph) =>
        (graph.Int64Initializer("reverse_start", -1), graph.Int64Initializer("reverse_end", long.MinValue), graph.Int64Initializer("reverse_step", -1));
}
