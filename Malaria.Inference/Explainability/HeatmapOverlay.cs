using SkiaSharp;

namespace Malaria.Inference.Explainability;

/// <summary>Blends a heatmap over the image it explains and encodes the result as PNG.</summary>
public static class HeatmapOverlay
{
    /// <summary>
    /// Blends <paramref name="heatmap"/>, coloured with viridis, over <paramref name="rgba"/> (row-major RGBA, the heatmap's
    /// size). <paramref name="heatWeight"/> is the colour's share (0.5: half cell, half heat, as pytorch-grad-cam shows it).
    /// Returns RGBA pixels; the image's alpha is kept so a cell on a transparent background stays so.
    /// </summary>
    public static byte[] Blend(ReadOnlySpan<byte> rgba, Heatmap heatmap, float heatWeight = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(heatmap);
        if (rgba.Length != heatmap.Width * heatmap.Height * 4)
            throw new ArgumentException($"Image is not the heatmap's size ({heatmap.Width}x{heatmap.Height} RGBA expected).", nameof(rgba));
        if (heatWeight is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(heatWeight), "Weight must be in 0..1.");
        var result = new byte[rgba.Length];
        for (var i = 0; i < heatmap.Values.Length; i++)
        {
            var (r, g, b) = Colormap.Viridis(heatmap.Values[i]);
            var o = i * 4;
            result[o] = (byte)MathF.Round(rgba[o] * (1 - heatWeight) + r * heatWeight);
            result[o + 1] = (byte)MathF.Round(rgba[o + 1] * (1 - heatWeight) + g * heatWeight);
            result[o + 2] = (byte)MathF.Round(rgba[o + 2] * (1 - heatWeight) + b * heatWeight);
            result[o + 3] = rgba[o + 3];
        }
        return result;
    }

    /// <summary>Blends as <see cref="Blend"/> does and encodes the overlay as a PNG file's bytes.</summary>
    public static byte[] ToPng(ReadOnlySpan<byte> rgba, Heatmap heatmap, float heatWeight = 0.5f)
    {
        var pixels = Blend(rgba, heatmap, heatWeight);
        // SkiaSharp, the library's decoder, encodes too; unpremultiplied, so the kept alpha leaves the colours as blended.
        var info = new SKImageInfo(heatmap.Width, heatmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var image = SKImage.FromPixelCopy(info, pixels)
            ?? throw new InvalidOperationException($"SkiaSharp could not take a {heatmap.Width}x{heatmap.Height} overlay.");
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
