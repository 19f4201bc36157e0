using Microsoft.ML.Data;
using SkiaSharp;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Stretches a decoded image to a model's input size with Skia's medium filter (mipmaps plus bilinear), the resize the
/// TorchSharp trainer trains with. ML.NET's own <c>ResizeImages</c> stretches with nearest-neighbour sampling, which
/// drops most pixels when a 130-pixel cell shrinks to 64 and can miss a parasite a few pixels wide; a network trained on
/// smooth resizes loses about two points of accuracy when fed nearest-neighbour ones. Models whose card says
/// <see cref="ModelCard.SmoothResizing"/> are therefore fed images resized here, by the same code the trainer used.
/// </summary>
internal static class SmoothResizer
{
    /// <summary>A new RGBA image of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static MLImage Resize(MLImage image, int width, int height)
    {
        using var resized = ResizeBitmap(image, width, height);
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, resized.GetPixelSpan());
    }

    /// <summary>The resized pixels, row-major RGBA.</summary>
    public static byte[] ResizeToRgba(MLImage image, int width, int height)
    {
        using var resized = ResizeBitmap(image, width, height);
        return resized.GetPixelSpan().ToArray();
    }

    private static unsafe SKBitmap ResizeBitmap(MLImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        var colorType = image.PixelFormat == MLPixelFormat.Rgba32 ? SKColorType.Rgba8888 : SKColorType.Bgra8888;
        using var source = new SKBitmap(new SKImageInfo(image.Width, image.Height, colorType, SKAlphaType.Premul));
        var pixels = image.Pixels;
        if (pixels.Length != source.ByteCount) throw new ArgumentException($"Image has {pixels.Length} bytes of pixels; expected {source.ByteCount}.", nameof(image));
        // Straight into the bitmap's memory: no intermediate array.
        pixels.CopyTo(new Span<byte>((void*)source.GetPixels(), source.ByteCount));
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        return source.Resize(target, SKFilterQuality.Medium)
            ?? throw new InvalidOperationException($"Skia could not resize a {image.Width} x {image.Height} image to {width} x {height}.");
    }
}
