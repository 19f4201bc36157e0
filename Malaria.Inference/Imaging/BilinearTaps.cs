namespace Malaria.Inference.Imaging;

/// <summary>
/// Where each output row or column of a bilinear resize samples its source: the two neighbours and the weight of the
/// second. Pixel centres are aligned and edges clamped (the convention of OpenCV's and PyTorch's resize without
/// corner alignment), so images, tensors and heatmaps all resize the same way.
/// </summary>
internal readonly record struct BilinearTap(int Low, int High, float Weight)
{
    /// <summary>The taps for resizing an axis of <paramref name="sourceSize"/> to <paramref name="targetSize"/>.</summary>
    public static BilinearTap[] ForAxis(int sourceSize, int targetSize)
    {
        var taps = new BilinearTap[targetSize];
        var scale = (float)sourceSize / targetSize;
        for (var i = 0; i < targetSize; i++)
        {
            var s = Math.Clamp((i + 0.5f) * scale - 0.5f, 0, sourceSize - 1);
            var low = (int)s;
            taps[i] = new BilinearTap(low, Math.Min(low + 1, sourceSize - 1), s - low);
        }
        return taps;
    }
}
