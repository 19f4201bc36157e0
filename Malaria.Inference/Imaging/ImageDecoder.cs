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
    /// <summary>Reads and decodes an image file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">The file is not a usable image.</exception>
    public static MLImage DecodeFile(string path, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= ImageLimits.Default;
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Image '{path}' does not exist.", path);
        // Reject an oversized file before reading it into memory.
        if (info.Length > limits.MaxBytes)
            throw new InvalidImageException(path, InvalidImageReason.TooLarge, $"{info.Length:N0} bytes exceeds the limit of {limits.MaxBytes:N0} bytes.");
        return Decode(File.ReadAllBytes(path), path, limits);
    }

    /// <summary>Reads a stream to its end (at most <see cref="ImageLimits.MaxBytes"/>) and decodes it.</summary>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public static MLImage Decode(Stream stream, string? sourceName = null, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= ImageLimits.Default;
        sourceName ??= "(stream)";
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limits.MaxBytes)
                throw new InvalidImageException(sourceName, InvalidImageReason.TooLarge, $"the stream is longer than the limit of {limits.MaxBytes:N0} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), sourceName, limits);
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
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limits.MaxBytes)
                throw new InvalidImageException(sourceName, InvalidImageReason.TooLarge, $"the stream is longer than the limit of {limits.MaxBytes:N0} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), sourceName, limits);
    }

    /// <summary>Validates and decodes an encoded image held in memory.</summary>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public static MLImage Decode(ReadOnlySpan<byte> data, string? sourceName = null, ImageLimits? limits = null)
    {
        sourceName ??= "(bytes)";
        var header = ImageHeaderReader.Read(data, sourceName, limits);
        return DecodePixels(data, header, sourceName);
    }

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
            var pixels = new byte[target.BytesSize];
            SKCodecResult result;
            fixed (byte* output = pixels) result = codec.GetPixels(target, (IntPtr)output);
            if (result == SKCodecResult.IncompleteInput)
                throw new InvalidImageException(sourceName, InvalidImageReason.Truncated, $"the {header.Format} pixel data ends early.");
            if (result != SKCodecResult.Success)
                throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt, $"the {header.Format} decoder reported {result}.");
            for (var i = 3; i < pixels.Length; i += 4) pixels[i] = 255;
            return MLImage.CreateFromPixels(size.Width, size.Height, MLPixelFormat.Bgra32, pixels);
        }
    }
}
