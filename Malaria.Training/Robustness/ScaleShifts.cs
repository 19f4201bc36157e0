using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>
/// Scale and resolution. NIH crops are the cell's bounding box, so the cell fills the crop; a looser crop or another
/// magnification makes it smaller in the model's 64-pixel view, and a coarser camera or a smaller crop loses detail.
/// Resampling uses Skia's medium filter (mipmaps plus bilinear), the resize the library itself uses.
/// </summary>
public static class ScaleShifts
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "scale and resolution";

    /// <summary>Width and height of the shrunk cell as a fraction of the crop's, per severity.</summary>
    public static readonly IReadOnlyList<double> CellFractions = [0.85, 0.75, 0.5];

    /// <summary>Longer side in pixels the crop is reduced to before it is enlarged back, per severity.</summary>
    public static readonly IReadOnlyList<int> ReducedSides = [56, 48, 40];

    /// <summary>Shrinks the cell inside a black crop of the original size.</summary>
    public static ImageShift CellSize { get; } = ImageShift.Create("cell-size", Family,
        "Shrinks the crop to the given fraction of its width and height and centres it in a black crop of the original size: the cell fills less of the picture.",
        CellFractions, f => $"cell {ParameterText.Percent(f)} of the crop", (image, fraction, _) => Shrink(image, fraction));

    /// <summary>Reduces the crop to a few dozen pixels and enlarges it back.</summary>
    public static ImageShift LowResolution { get; } = ImageShift.Create("low-resolution", Family,
        "Reduces the crop to the given longer side (keeping its aspect) and enlarges it back to its size: detail below that resolution is lost.",
        ReducedSides, s => $"{s} px longer side", (image, side, _) => Reduce(image, side));

    /// <summary>The crop scaled by <paramref name="fraction"/> and centred in black; 1 returns the image unchanged.</summary>
    public static CellPixels Shrink(CellPixels image, double fraction)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (fraction is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The cell's fraction of the crop must be in (0, 1].");
        var width = Math.Max(1, (int)Math.Round(image.Width * fraction));
        var height = Math.Max(1, (int)Math.Round(image.Height * fraction));
        if (width == image.Width && height == image.Height) return image;
        var small = Resize(image, width, height);
        var output = CellPixels.Black(image.Width, image.Height);
        int left = (image.Width - width) / 2, top = (image.Height - height) / 2;
        for (var y = 0; y < height; y++)
            Array.Copy(small.Bgra, 4 * y * width, output.Bgra, 4 * ((top + y) * image.Width + left), 4 * width);
        return output;
    }

    /// <summary>The crop reduced to <paramref name="side"/> pixels on its longer side and enlarged back; unchanged when already that small.</summary>
    public static CellPixels Reduce(CellPixels image, int side)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(side), side, "The reduced side must be at least 1 pixel.");
        var longer = Math.Max(image.Width, image.Height);
        if (longer <= side) return image;
        var width = Math.Max(1, (int)Math.Round((double)image.Width * side / longer));
        var height = Math.Max(1, (int)Math.Round((double)image.Height * side / longer));
        return Resize(Resize(image, width, height), image.Width, image.Height);
    }

    /// <summary>The image stretched to <paramref name="width"/> x <paramref name="height"/>.</summary>
    internal static CellPixels Resize(CellPixels image, int width, int height)
    {
        using var source = image.ToBitmap();
        using var resized = source.Resize(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul), SKFilterQuality.Medium)
            ?? throw new InvalidOperationException($"Skia could not resize a {image.Width} x {image.Height} image to {width} x {height}.");
        return CellPixels.FromBitmap(resized);
    }
}
