using Malaria.Inference.Imaging;
using Microsoft.ML.Data;

namespace Malaria.Inference.Models;

/// <summary>
/// Resizes a decoded image (bilinear, pixel centres aligned: <see cref="BilinearTap"/>) into a planar RGB float tensor with
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
        if (image.Width == width && image.Height == height)
        {
            // Same size: every tap lands on its own pixel with weight 0, so the resize is a plain copy.
            for (var at = 0; at < plane; at++)
            {
                destination[at] = pixels[at * 4 + red];
                destination[plane + at] = pixels[at * 4 + 1];
                destination[2 * plane + at] = pixels[at * 4 + blue];
            }
            return;
        }
        var stride = image.Width * 4;
        var columns = BilinearTap.ForAxis(image.Width, width);
        var rows = BilinearTap.ForAxis(image.Height, height);
        for (var y = 0; y < height; y++)
        {
            var (y0, y1, fy) = rows[y];
            for (var x = 0; x < width; x++)
            {
                var (x0, x1, fx) = columns[x];
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
