using Microsoft.ML.Data;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Frames a crop the way the training crops are framed: one cell on black, the crop being the cell's bounding box.
/// Every one of the 14,570 training crops already is (its cell reaches all four edges), so for them this is the
/// identity; a crop that is not gets the same framing before it is scored:
/// <list type="bullet">
/// <item>an unmasked crop (plasma, neighbouring cells) is reduced to its central cell (<see cref="CentralCellIsolation"/>);</item>
/// <item>a masked crop with black margins (the cell small in the frame, or off centre) is cropped to the cell.</item>
/// </list>
/// </summary>
public static class CropFraming
{
    /// <summary>Black margin, in pixels, that a masked crop may have on a side before it is cropped to its cell.</summary>
    public const int MaxMargin = 2;

    /// <summary>The crop framed like the training crops, or null when it already is (or cannot be framed): score it as it is.</summary>
    public static MLImage? Frame(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (InputDomain.MaskedBorderShare(image) < InputDomain.MinMaskedBorderShare) return CentralCellIsolation.Isolate(image);
        var box = ContentBox(image);
        if (box is not { } b || !IsLoose(b, image.Width, image.Height)) return null;
        return Crop(image, b);
    }

    /// <summary>True when a masked crop's content stops short of an edge by more than <see cref="MaxMargin"/> pixels.</summary>
    public static bool IsLoose(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ContentBox(image) is { } box && IsLoose(box, image.Width, image.Height);
    }

    private static bool IsLoose((int Left, int Top, int Right, int Bottom) box, int width, int height) =>
        box.Left > MaxMargin || box.Top > MaxMargin || width - 1 - box.Right > MaxMargin || height - 1 - box.Bottom > MaxMargin;

    /// <summary>The bounding box of the pixels that are not near-black; null for an all-black image.</summary>
    private static (int Left, int Top, int Right, int Bottom)? ContentBox(MLImage image)
    {
        var pixels = image.Pixels;
        int width = image.Width, height = image.Height, left = width, top = height, right = -1, bottom = -1;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                if (InputDomain.IsNearBlack(pixels, y * width + x)) continue;
                if (x < left) left = x;
                if (x > right) right = x;
                if (y < top) top = y;
                if (y > bottom) bottom = y;
            }
        return right < 0 ? null : (left, top, right, bottom);
    }

    private static MLImage Crop(MLImage image, (int Left, int Top, int Right, int Bottom) box)
    {
        int w = box.Right - box.Left + 1, h = box.Bottom - box.Top + 1;
        var source = image.Pixels;
        var result = new byte[w * h * 4];
        for (var y = 0; y < h; y++)
            source.Slice(((y + box.Top) * image.Width + box.Left) * 4, w * 4).CopyTo(result.AsSpan(y * w * 4, w * 4));
        return MLImage.CreateFromPixels(w, h, image.PixelFormat, result);
    }
}
