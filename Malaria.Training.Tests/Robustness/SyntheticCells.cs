using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>
/// Stand-ins for NIH crops: an elliptical pink cell that touches the crop's edges, with shading, fine texture and a
/// purple "parasite", and pure black outside it, as the NIH mask leaves it.
/// </summary>
internal static class SyntheticCells
{
    public static CellPixels Cell(int width = 120, int height = 108, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = CellPixels.Black(width, height);
        double cx = width / 2.0, cy = height / 2.0;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                double u = (x + 0.5 - cx) / cx, v = (y + 0.5 - cy) / cy;
                var r2 = u * u + v * v;
                if (r2 > 1) continue;
                var shade = 20 * (1 - r2);
                double red = 200 + shade, green = 145 + shade, blue = 160 + shade;
                var px = x - width * 0.3;
                var py = y - height * 0.35;
                if (px * px + py * py < 64) (red, green, blue) = (120, 50, 150);
                var texture = random.Next(-10, 11);
                var o = 4 * (y * width + x);
                pixels.Bgra[o] = (byte)Math.Clamp(blue + texture, 1, 255);
                pixels.Bgra[o + 1] = (byte)Math.Clamp(green + texture, 1, 255);
                pixels.Bgra[o + 2] = (byte)Math.Clamp(red + texture, 1, 255);
            }
        return pixels;
    }

    /// <summary>A few other cells of varied sizes, for the context shift.</summary>
    public static IReadOnlyList<CellPixels> Neighbours() => [Cell(100, 96, 11), Cell(130, 118, 12), Cell(90, 110, 13), Cell(124, 100, 14)];

    /// <summary>Indices of the cell's pixels (not pure black).</summary>
    public static IEnumerable<int> CellIndices(CellPixels image) => Enumerable.Range(0, image.PixelCount).Where(i => !image.IsBackground(i));

    /// <summary>Mean of channel <paramref name="channel"/> (0 B, 1 G, 2 R) over the given pixels.</summary>
    public static double Mean(CellPixels image, IEnumerable<int> indices, int channel) => indices.Average(i => image.Bgra[4 * i + channel]);

    /// <summary>Mean of R, G and B over the given pixels.</summary>
    public static double MeanIntensity(CellPixels image, IEnumerable<int> indices) =>
        indices.Average(i => (image.Bgra[4 * i] + image.Bgra[4 * i + 1] + image.Bgra[4 * i + 2]) / 3.0);

    /// <summary>Sum of squared differences between horizontally and vertically adjacent pixels: the high-frequency energy.</summary>
    public static double HighFrequencyEnergy(CellPixels image)
    {
        var energy = 0.0;
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = image.Bgra[4 * (y * image.Width + x) + c];
                    if (x + 1 < image.Width) energy += Math.Pow(v - image.Bgra[4 * (y * image.Width + x + 1) + c], 2);
                    if (y + 1 < image.Height) energy += Math.Pow(v - image.Bgra[4 * ((y + 1) * image.Width + x) + c], 2);
                }
        return energy;
    }

    /// <summary>The bounding box (left, top, width, height) of the pixels that are not pure black.</summary>
    public static (int Left, int Top, int Width, int Height) BoundingBox(CellPixels image)
    {
        int left = image.Width, top = image.Height, right = -1, bottom = -1;
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
            {
                if (image.IsBackground(y * image.Width + x)) continue;
                left = Math.Min(left, x); right = Math.Max(right, x);
                top = Math.Min(top, y); bottom = Math.Max(bottom, y);
            }
        return (left, top, right - left + 1, bottom - top + 1);
    }
}
