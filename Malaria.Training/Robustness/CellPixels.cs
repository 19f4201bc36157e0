using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>
/// A decoded cell crop as 8-bit BGRA pixels with alpha 255, the form <see cref="Malaria.Inference.Imaging.ImageDecoder"/>
/// produces and the form every shift reads and returns. Shifts never change a buffer in place: each returns a new one,
/// so the clean pixels can be shifted many times.
/// </summary>
public sealed class CellPixels
{
    /// <summary>Wraps <paramref name="bgra"/> (row-major, 4 bytes a pixel); the array is not copied.</summary>
    /// <exception cref="ArgumentException">The array does not hold width x height pixels.</exception>
    public CellPixels(int width, int height, byte[] bgra)
    {
        ArgumentNullException.ThrowIfNull(bgra);
        if (width <= 0 || height <= 0) throw new ArgumentException($"A cell image needs a positive size, got {width} x {height}.", nameof(width));
        if (bgra.Length != width * height * 4)
            throw new ArgumentException($"A {width} x {height} BGRA image has {width * height * 4} bytes; got {bgra.Length}.", nameof(bgra));
        Width = width;
        Height = height;
        Bgra = bgra;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Row-major B, G, R, A bytes; treat as read-only.</summary>
    public byte[] Bgra { get; }

    /// <summary>Number of pixels.</summary>
    public int PixelCount => Width * Height;

    /// <summary>An opaque black image: the NIH crops' background.</summary>
    public static CellPixels Black(int width, int height)
    {
        var bgra = new byte[width * height * 4];
        for (var i = 3; i < bgra.Length; i += 4) bgra[i] = 255;
        return new CellPixels(width, height, bgra);
    }

    /// <summary>
    /// True when pixel <paramref name="index"/> is background: the NIH crops set everything outside the cell to exactly
    /// (0, 0, 0), and no stained cell pixel is that dark, so pure black is the mask.
    /// </summary>
    public bool IsBackground(int index) => Bgra[4 * index] == 0 && Bgra[4 * index + 1] == 0 && Bgra[4 * index + 2] == 0;

    /// <summary>Copies a decoded BGRA <see cref="MLImage"/> (as the library's decoder returns).</summary>
    /// <exception cref="ArgumentException">The image is not 8-bit BGRA.</exception>
    public static CellPixels FromImage(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.PixelFormat != MLPixelFormat.Bgra32)
            throw new ArgumentException($"Expected a BGRA image from the library's decoder, got {image.PixelFormat}.", nameof(image));
        return new CellPixels(image.Width, image.Height, image.Pixels.ToArray());
    }

    /// <summary>A new <see cref="MLImage"/> of these pixels, ready for <see cref="Malaria.Inference.MalariaClassifier.ClassifyBatch(IReadOnlyList{MLImage})"/>.</summary>
    public MLImage ToImage() => MLImage.CreateFromPixels(Width, Height, MLPixelFormat.Bgra32, Bgra);

    /// <summary>A copy as a Skia bitmap (opaque BGRA), for resampling and encoding.</summary>
    public SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Bgra8888, SKAlphaType.Premul));
        Marshal.Copy(Bgra, 0, bitmap.GetPixels(), Bgra.Length);
        return bitmap;
    }

    /// <summary>Copies a Skia bitmap of opaque BGRA pixels (as <see cref="ToBitmap"/> and resizes of it make).</summary>
    /// <exception cref="ArgumentException">The bitmap is another colour type.</exception>
    public static CellPixels FromBitmap(SKBitmap bitmap)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        if (bitmap.ColorType != SKColorType.Bgra8888)
            throw new ArgumentException($"Expected a BGRA bitmap, got {bitmap.ColorType}.", nameof(bitmap));
        var pixels = new CellPixels(bitmap.Width, bitmap.Height, bitmap.GetPixelSpan().ToArray());
        for (var i = 3; i < pixels.Bgra.Length; i += 4) pixels.Bgra[i] = 255;
        return pixels;
    }
}
