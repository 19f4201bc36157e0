using System.Buffers;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Turns encoded bytes into a decoded <see cref="MLImage"/> the model accepts: validates the header against
/// <see cref="ImageLimits"/> first, then decodes any PNG (grey, grey+alpha, RGB, RGBA, palette, 8 or 16 bits),
/// JPEG or BMP to 8-bit BGRA. Transparent pixels are composited over black, the background of the cell crops.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Reads and decodes an image file (a regular file; symbolic links are followed).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">
    /// The file is not a usable image, or the path names a directory, device, FIFO or socket
    /// (<see cref="InvalidImageReason.NotAFile"/>).
    /// </exception>
    public static MLImage DecodeFile(string path, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= ImageLimits.Default;
        return Decode(ImageFileReader.ReadAllBytes(path, limits).Span, path, limits);
    }

    /// <summary>Reads a stream to its end (at most <see cref="ImageLimits.MaxBytes"/>) and decodes it.</summary>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public static MLImage Decode(Stream stream, string? sourceName = null, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= ImageLimits.Default;
        sourceName ??= "(stream)";
        return Decode(BoundedReader.ReadAll(stream, limits.MaxBytes, sourceName, "the stream").Span, sourceName, limits);
    }

    /// <summary>
    /// Reads a stream asynchronously to its end (at most <see cref="ImageLimits.MaxBytes"/>) and decodes it: for
    /// request bodies, which ASP.NET Core does not allow to be read synchronously.
    /// </summary>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public static async Task<MLImage> DecodeAsync(Stream stream, string? sourceName = null, ImageLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= ImageLimits.Default;
        sourceName ??= "(stream)";
        var data = await BoundedReader.ReadAllAsync(stream, limits.MaxBytes, sourceName, "the stream", cancellationToken).ConfigureAwait(false);
        return Decode(data.Span, sourceName, limits);
    }

    /// <summary>Validates and decodes an encoded image held in memory.</summary>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public static MLImage Decode(ReadOnlySpan<byte> data, string? sourceName = null, ImageLimits? limits = null)
    {
        sourceName ??= "(bytes)";
        var header = ImageHeaderReader.Read(data, sourceName, limits);
        return DecodePixels(data, header, sourceName);
    }

    /// <summary>Decodes data whose header has already been read and checked (<see cref="ImageHeaderReader.Read"/>).</summary>
    internal static MLImage Decode(ReadOnlySpan<byte> data, ImageHeader header, string sourceName) => DecodePixels(data, header, sourceName);

    private static unsafe MLImage DecodePixels(ReadOnlySpan<byte> data, ImageHeader header, string sourceName)
    {
        fixed (byte* pointer = data)
        {
            using var skData = SKData.Create((IntPtr)pointer, data.Length);
            using var codec = SKCodec.Create(skData)
                ?? throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt, $"the {header.Format} data could not be parsed.");
            var size = codec.Info;
            if (size.Width != header.Width || size.Height != header.Height)
                throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt,
                    $"the header says {header.Width} x {header.Height} but the decoder found {size.Width} x {size.Height}.");

            // Premultiplied BGRA then alpha forced to 255 = the image composited over black.
            var target = new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
            // A pooled scratch array: the image copies the pixels, so nothing of the image's size is allocated here.
            var length = target.BytesSize;
            var pixels = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                return DecodeInto(codec, target, pixels, length, header, sourceName);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pixels);
            }
        }
    }

    /// <summary>Decodes into <paramref name="pixels"/> (at least <paramref name="length"/> bytes), makes it opaque and wraps a copy as an image.</summary>
    private static unsafe MLImage DecodeInto(SKCodec codec, SKImageInfo target, byte[] pixels, int length, ImageHeader header, string sourceName)
    {
        SKCodecResult result;
        fixed (byte* output = pixels) result = codec.GetPixels(target, (IntPtr)output);
        // The header checks have already found the file complete (PNG chunks up to IEND, JPEG EOI, BMP size), so
        // running out of data here means the compressed pixel data inside it is damaged, not cut off.
        if (result == SKCodecResult.IncompleteInput)
            throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt, $"the {header.Format} pixel data is damaged: it ends before the last row although the file is complete.");
        if (result != SKCodecResult.Success)
            throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt, $"the {header.Format} decoder reported {result}.");
        for (var i = 3; i < length; i += 4) pixels[i] = 255;
        return MLImage.CreateFromPixels(target.Width, target.Height, MLPixelFormat.Bgra32, pixels.AsSpan(0, length));
    }
}
