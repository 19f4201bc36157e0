using Malaria.Inference.Imaging;

namespace Malaria.Inference.Explainability;

/// <summary>
/// A class-activation heatmap at an image's size: one value in 0..1 per pixel, row-major, where 1 marks the region that
/// most raised the target class's score.
/// </summary>
public sealed class Heatmap
{
    /// <summary>Wraps existing values (row-major, <paramref name="width"/> x <paramref name="height"/>).</summary>
    public Heatmap(int width, int height, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != width * height) throw new ArgumentException($"Expected {width * height} values, got {values.Length}.", nameof(values));
        Width = width;
        Height = height;
        Values = values;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Row-major values in 0..1.</summary>
    public float[] Values { get; }

    /// <summary>The value at pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float this[int x, int y] => Values[y * Width + x];

    /// <summary>
    /// Turns one class's activation map (the model's low-resolution <c>cam</c> output) into a heatmap at the image's size:
    /// negative evidence is cut (ReLU, as Grad-CAM does), the map is scaled to 0..1 by its maximum, then upsampled
    /// bilinearly with pixel centres aligned (<see cref="BilinearTap"/>).
    /// A map with no positive evidence gives an all-zero heatmap.
    /// </summary>
    public static Heatmap FromActivationMap(ReadOnlySpan<float> map, int mapWidth, int mapHeight, int width, int height)
    {
        if (map.Length != mapWidth * mapHeight) throw new ArgumentException($"Expected {mapWidth * mapHeight} map values, got {map.Length}.", nameof(map));
        var scaled = new float[map.Length];
        var max = 0f;
        for (var i = 0; i < map.Length; i++)
        {
            scaled[i] = float.IsNaN(map[i]) ? 0 : Math.Max(0, map[i]);
            max = Math.Max(max, scaled[i]);
        }
        if (max > 0)
            for (var i = 0; i < scaled.Length; i++) scaled[i] /= max;
        return new Heatmap(width, height, Resize(scaled, mapWidth, mapHeight, width, height));
    }

    private static float[] Resize(float[] source, int sourceWidth, int sourceHeight, int width, int height)
    {
        var result = new float[width * height];
        var columns = BilinearTap.ForAxis(sourceWidth, width);
        var rows = BilinearTap.ForAxis(sourceHeight, height);
        for (var y = 0; y < height; y++)
        {
            var (y0, y1, fy) = rows[y];
            for (var x = 0; x < width; x++)
            {
                var (x0, x1, fx) = columns[x];
                var top = source[y0 * sourceWidth + x0] * (1 - fx) + source[y0 * sourceWidth + x1] * fx;
                var bottom = source[y1 * sourceWidth + x0] * (1 - fx) + source[y1 * sourceWidth + x1] * fx;
                result[y * width + x] = top * (1 - fy) + bottom * fy;
            }
        }
        return result;
    }
}
