using Microsoft.ML.Data;

namespace Malaria.Inference.Models;

/// <summary>
/// Resizes a decoded image (bilinear, corner-aligned like a plain stretch) into a planar RGB float tensor with
/// values 0..255: the input layout of every Malaria ONNX model.
/// </summary>
public static class TensorPreprocessor
{
    /// <summary>Writes <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/> as [3,H,W] RGB 0..255.</summary>
    public static void FillChw(MLImage image, Span<float> destination, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        var plane = width * height;
        if (destination.Length < 3 * plane) throw new ArgumentException($"Needs {3 * plane} floats, got {destination.Length}.", nameof(destination));
        var pixels = image.Pixels;
        var (red, blue) = image.PixelFormat == MLPixelFormat.Rgba32 ? (0, 2) : (2, 0);
        var sourceWidth = image.Width;
        var sourceHeight = image.Height;
        var stride = sourceWidth * 4;
        var scaleX = (float)sourceWidth / width;
        var scaleY = (float)sourceHeight / height;
        for (var y = 0; y < height; y++)
        {
            // Sample at pixel centres, clamped to the edge.
            var sy = Math.Clamp((y + 0.5f) * scaleY - 0.5f, 0, sourceHeight - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, sourceHeight - 1);
            var fy = sy - y0;
            for (var x = 0; x < width; x++)
            {
                var sx = Math.Clamp((x + 0.5f) * scaleX - 0.5f, 0, sourceWidth - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, sourceWidth - 1);
                var fx = sx - x0;
                var a = y0 * stride + x0 * 4;
                var b = y0 * stride + x1 * 4;
                var c = y1 * stride + x0 * 4;
                var d = y1 * stride + x1 * 4;
                var at = y * width + x;
                destination[at] = Lerp(pixels, a + red, b + red, c + red, d + red, fx, fy);
                destination[plane + at] = Lerp(pixels, a + 1, b + 1, c + 1, d + 1, fx, fy);
                destination[2 * plane + at] = Lerp(pixels, a + blue, b + blue, c + blue, d + blue, fx, fy);
            }
        }
    }

    private static float Lerp(ReadOnlySpan<byte> p, int a, int b, int c, int d, float fx, float fy)
    {
        var top = p[a] + (p[b] - p[a]) * fx;
        var bottom = p[c] + (p[d] - p[c]) * fx;
        return top + (bottom - top) * fy;
    }
}
