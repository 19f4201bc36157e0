using Microsoft.ML.Data;

namespace Malaria.Training.MlNet;

/// <summary>One of the 8 symmetries of a rectangle's pixel grid, applied to a 32-bit-per-pixel <see cref="MLImage"/>.</summary>
public enum ImageVariant
{
    /// <summary>Unchanged.</summary>
    Identity,
    /// <summary>Mirrored left to right.</summary>
    FlipHorizontal,
    /// <summary>Mirrored top to bottom.</summary>
    FlipVertical,
    /// <summary>Turned 180 degrees.</summary>
    Rotate180,
    /// <summary>Turned 90 degrees clockwise.</summary>
    Rotate90,
    /// <summary>Turned 270 degrees clockwise.</summary>
    Rotate270,
    /// <summary>Mirrored across the main diagonal.</summary>
    Transpose,
    /// <summary>Mirrored across the anti-diagonal.</summary>
    Transverse,
}

/// <summary>Applies <see cref="ImageVariant"/>s and lists the variants of an <see cref="ImageAugmentation"/>.</summary>
public static class ImageVariants
{
    /// <summary>The views an augmentation adds, identity first.</summary>
    public static IReadOnlyList<ImageVariant> Of(ImageAugmentation augmentation) => augmentation switch
    {
        ImageAugmentation.None => [ImageVariant.Identity],
        ImageAugmentation.Flips => [ImageVariant.Identity, ImageVariant.FlipHorizontal, ImageVariant.FlipVertical, ImageVariant.Rotate180],
        ImageAugmentation.Dihedral => Enum.GetValues<ImageVariant>(),
        _ => throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, "Unknown augmentation."),
    };

    /// <summary>A new image holding <paramref name="variant"/> of <paramref name="source"/> (the caller disposes it).</summary>
    public static MLImage Apply(MLImage source, ImageVariant variant)
    {
        ArgumentNullException.ThrowIfNull(source);
        int w = source.Width, h = source.Height;
        var pixels = source.Pixels;
        var bytesPerPixel = pixels.Length / (w * h);
        var swap = variant is ImageVariant.Rotate90 or ImageVariant.Rotate270 or ImageVariant.Transpose or ImageVariant.Transverse;
        var (outW, outH) = swap ? (h, w) : (w, h);
        var result = new byte[pixels.Length];
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                // Where the output pixel (x, y) comes from in the source.
                var (sx, sy) = variant switch
                {
                    ImageVariant.Identity => (x, y),
                    ImageVariant.FlipHorizontal => (w - 1 - x, y),
                    ImageVariant.FlipVertical => (x, h - 1 - y),
                    ImageVariant.Rotate180 => (w - 1 - x, h - 1 - y),
                    ImageVariant.Rotate90 => (y, h - 1 - x),
                    ImageVariant.Rotate270 => (w - 1 - y, x),
                    ImageVariant.Transpose => (y, x),
                    ImageVariant.Transverse => (w - 1 - y, h - 1 - x),
                    _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown variant."),
                };
                pixels.Slice((sy * w + sx) * bytesPerPixel, bytesPerPixel).CopyTo(result.AsSpan((y * outW + x) * bytesPerPixel));
            }
        }
        return MLImage.CreateFromPixels(outW, outH, source.PixelFormat, result);
    }
}
