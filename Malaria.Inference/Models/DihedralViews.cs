using Microsoft.ML.Data;

namespace Malaria.Inference.Models;

/// <summary>
/// The 8 views of a square image (<see cref="ScoringViews.Dihedral"/>) and their average, in the order and with the
/// arithmetic of the view-averaging graphs exported before views became a choice (the trainer's
/// <c>OnnxViewAveraging</c>): the image, mirrored left-right, mirrored top-bottom, turned 180 degrees, then the same
/// four of its transpose. Scores are the softmax of the mean logits; maps are turned back onto the upright image
/// before their mean, and rectified after it when they are Grad-CAM before its Relu.
/// </summary>
internal static class DihedralViews
{
    public const int Count = 8;

    /// <summary>
    /// The pixel of the source image that view <paramref name="view"/> shows at (<paramref name="y"/>, <paramref name="x"/>),
    /// for a square of side <paramref name="size"/>: the view flips the (transposed, for views 4 to 7) image.
    /// </summary>
    public static (int Y, int X) SourceOf(int view, int y, int x, int size)
    {
        var fy = (view & 2) != 0 ? size - 1 - y : y;
        var fx = (view & 1) != 0 ? size - 1 - x : x;
        return view < 4 ? (fy, fx) : (fx, fy);
    }

    /// <summary>Writes the 8 views of a [C,S,S] tensor one after another into <paramref name="destination"/> [8,C,S,S].</summary>
    public static void Fill(ReadOnlySpan<float> image, Span<float> destination, int channels, int size)
    {
        var plane = size * size;
        if (image.Length != channels * plane || destination.Length != Count * channels * plane)
            throw new ArgumentException($"Expected a [{channels},{size},{size}] image and room for its {Count} views.");
        for (var view = 0; view < Count; view++)
        {
            var target = destination.Slice(view * channels * plane, channels * plane);
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    var (sy, sx) = SourceOf(view, y, x, size);
                    for (var c = 0; c < channels; c++)
                        target[c * plane + y * size + x] = image[c * plane + sy * size + sx];
                }
        }
    }

    /// <summary>
    /// Softmax of the mean of 8 logit rows [8,K] (the views of one image). Log-probability rows
    /// (log-softmax of the logits, e.g. from a model that outputs only probabilities) give the same result: each row
    /// differs from its logits by one constant, which the softmax removes.
    /// </summary>
    public static float[] MeanScores(ReadOnlySpan<float> logits, int labels)
    {
        var mean = new double[labels];
        for (var view = 0; view < Count; view++)
            for (var k = 0; k < labels; k++) mean[k] += logits[view * labels + k];
        var max = double.NegativeInfinity;
        for (var k = 0; k < labels; k++) max = Math.Max(max, mean[k] /= Count);
        var sum = 0.0;
        for (var k = 0; k < labels; k++) sum += mean[k] = Math.Exp(mean[k] - max);
        var scores = new float[labels];
        for (var k = 0; k < labels; k++) scores[k] = (float)(mean[k] / sum);
        return scores;
    }

    /// <summary>
    /// The mean of 8 views' maps [8,K,h,h] after turning each back onto the upright image; <paramref name="rectify"/>
    /// applies Grad-CAM's Relu to the mean (for maps taken before it), as the old graph did.
    /// </summary>
    public static float[] MeanOfAlignedMaps(ReadOnlySpan<float> maps, int labels, int size, bool rectify)
    {
        var area = size * size;
        var perView = labels * area;
        if (maps.Length != Count * perView) throw new ArgumentException($"Expected {Count} x {labels} maps of {size} x {size}, got {maps.Length} values.");
        var sum = new float[perView];
        for (var view = 0; view < Count; view++)
        {
            var map = maps.Slice(view * perView, perView);
            for (var k = 0; k < labels; k++)
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                    {
                        var (sy, sx) = SourceOf(view, y, x, size);
                        sum[k * area + sy * size + sx] += map[k * area + y * size + x];
                    }
        }
        for (var i = 0; i < sum.Length; i++)
        {
            var mean = sum[i] / Count;
            sum[i] = rectify ? Math.Max(0f, mean) : mean;
        }
        return sum;
    }

    /// <summary>
    /// The 8 views of a decoded image as new images (the caller disposes them), for models whose own pipeline turns
    /// the image into a tensor (ML.NET zips). The image need not be square: views 4 to 7 are then taller than wide.
    /// </summary>
    public static MLImage[] ImagesOf(MLImage image)
    {
        var (width, height) = (image.Width, image.Height);
        var source = image.Pixels;
        var views = new MLImage[Count];
        var pixels = new byte[source.Length];
        try
        {
            for (var view = 0; view < Count; view++)
            {
                var transposed = view >= 4;
                var (viewWidth, viewHeight) = transposed ? (height, width) : (width, height);
                for (var y = 0; y < viewHeight; y++)
                    for (var x = 0; x < viewWidth; x++)
                    {
                        var fy = (view & 2) != 0 ? viewHeight - 1 - y : y;
                        var fx = (view & 1) != 0 ? viewWidth - 1 - x : x;
                        var (sy, sx) = transposed ? (fx, fy) : (fy, fx);
                        source.Slice((sy * width + sx) * 4, 4).CopyTo(pixels.AsSpan((y * viewWidth + x) * 4, 4));
                    }
                views[view] = MLImage.CreateFromPixels(viewWidth, viewHeight, image.PixelFormat, pixels);
            }
            return views;
        }
        catch
        {
            foreach (var view in views) view?.Dispose();
            throw;
        }
    }

    /// <summary>Log-softmax rows of probability rows, for models that output no logits (0 is taken as the smallest float).</summary>
    public static void LogOf(Span<float> probabilities)
    {
        for (var i = 0; i < probabilities.Length; i++) probabilities[i] = MathF.Log(Math.Max(probabilities[i], float.Epsilon));
    }
}
