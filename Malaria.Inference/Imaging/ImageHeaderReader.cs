using System.Buffers.Binary;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Recognises the format from the magic bytes and reads the declared size from the header (PNG IHDR, JPEG SOFn,
/// BMP info header), and checks that the data is complete (PNG IEND and every chunk CRC, JPEG EOI and every block of
/// a sequential scan, BMP declared size). Nothing here allocates in proportion to the declared size, so it is safe to
/// run on untrusted input before decoding.
/// </summary>
public static class ImageHeaderReader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> PngIend => [0x49, 0x45, 0x4E, 0x44];

    /// <summary>The format the signature says, or <see cref="ImageFormat.Unknown"/>.</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M') return ImageFormat.Bmp;
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return ImageFormat.Gif;
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return ImageFormat.Webp;
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8)) return ImageFormat.Tiff;
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8)) return ImageFormat.Heif;
        return ImageFormat.Unknown;
    }

    /// <summary>
    /// Reads and checks the header of a whole encoded image.
    /// </summary>
    /// <param name="data">The complete encoded file.</param>
    /// <param name="sourceName">Named in error messages (a path, or a caller-given name).</param>
    /// <param name="limits">Size limits; <see cref="ImageLimits.Default"/> when null.</param>
    /// <exception cref="InvalidImageException">Empty, truncated, not an image, unsupported, too large or corrupt.</exception>
    public static ImageHeader Read(ReadOnlySpan<byte> data, string sourceName, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        if (data.IsEmpty) throw new InvalidImageException(sourceName, InvalidImageReason.Empty, "0 bytes.");
        if (data.Length > limits.MaxBytes)
            throw new InvalidImageException(sourceName, InvalidImageReason.TooLarge, $"{data.Length:N0} bytes exceeds the limit of {limits.MaxBytes:N0} bytes.");

        var format = Sniff(data);
        var header = format switch
        {
            ImageFormat.Png => ReadPng(data, sourceName, limits),
            ImageFormat.Jpeg => ReadJpeg(data, sourceName),
            ImageFormat.Bmp => ReadBmp(data, sourceName),
            ImageFormat.Unknown => throw new InvalidImageException(sourceName, InvalidImageReason.NotAnImage,
                $"the first bytes ({Hex(data)}) match no PNG, JPEG or BMP signature."),
            _ => throw new InvalidImageException(sourceName, InvalidImageReason.UnsupportedFormat,
                $"{format} is recognised but not accepted; use PNG, JPEG or BMP."),
        };

        if (header.Width <= 0 || header.Height <= 0)
            throw new InvalidImageException(sourceName, InvalidImageReason.Corrupt, $"the {format} header declares a {header.Width} x {header.Height} image.");
        if (header.PixelCount > limits.MaxPixels)
            throw new InvalidImageException(sourceName, InvalidImageReason.TooLarge,
                $"the {format} header declares {header.Width} x {header.Height} = {header.PixelCount:N0} pixels, above the limit of {limits.MaxPixels:N0}.");
        // Only after the size is known to be acceptable: a decompression bomb is rejected for its size alone.
        if (format == ImageFormat.Png) CheckPngChunks(data, sourceName);
        if (format == ImageFormat.Jpeg) JpegScanCheck.Check(data, sourceName);
        return header;
    }

    private static ImageHeader ReadPng(ReadOnlySpan<byte> data, string source, ImageLimits limits)
    {
        // Signature (8) + IHDR length (4) + "IHDR" (4) + width, height (8) + bit depth, colour type (2).
        if (data.Length < 26) throw Truncated(source, ImageFormat.Png, "the IHDR chunk is incomplete");
        if (!data.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw new InvalidImageException(source, InvalidImageReason.Corrupt, "the first PNG chunk is not IHDR.");
        var width = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(16, 4));
        var height = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(20, 4));
        int bitDepth = data[24];
        // IHDR holds 32-bit sizes but ImageHeader ints: a size past int.MaxValue is refused here, with its real value.
        if ((width > int.MaxValue || height > int.MaxValue) && width != 0 && height != 0)
            throw new InvalidImageException(source, InvalidImageReason.TooLarge,
                $"the Png header declares {width} x {height} = {(ulong)width * height:N0} pixels, above the limit of {limits.MaxPixels:N0}.");
        if (width == 0 || height == 0)
            throw new InvalidImageException(source, InvalidImageReason.Corrupt, $"the Png header declares a {width} x {height} image.");
        return new ImageHeader(ImageFormat.Png, (int)width, (int)height, bitDepth);
    }

    /// <summary>
    /// Walks every chunk and checks its CRC up to IEND: a cut-off file or a flipped bit anywhere in the pixel data is
    /// caught here, in microseconds, rather than as a half-grey image or a failure deep inside the decoder.
    /// </summary>
    private static void CheckPngChunks(ReadOnlySpan<byte> data, string source)
    {
        var offset = 8;
        while (true)
        {
            if (offset + 12 > data.Length) throw Truncated(source, ImageFormat.Png, "the data ends before the IEND chunk");
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            if (length > int.MaxValue - 12 || offset + 12 + (long)length > data.Length)
                throw Truncated(source, ImageFormat.Png, "a chunk runs past the end of the data");
            var typeAndBody = data.Slice(offset + 4, 4 + (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 8 + (int)length)..]);
            if (Crc32.Compute(typeAndBody) != crc)
                throw new InvalidImageException(source, InvalidImageReason.Corrupt,
                    $"the CRC of PNG chunk '{System.Text.Encoding.ASCII.GetString(typeAndBody[..4])}' does not match its data.");
            if (typeAndBody[..4].SequenceEqual(PngIend)) return;
            offset += 12 + (int)length;
        }
    }

    private static ImageHeader ReadJpeg(ReadOnlySpan<byte> data, string source)
    {
        // Walk the marker segments after SOI until a start-of-frame marker, which holds the size.
        var i = 2;
        while (true)
        {
            while (i < data.Length && data[i] == 0xFF) i++;  // fill bytes
            if (i >= data.Length) throw Truncated(source, ImageFormat.Jpeg, "the data ends before the frame header (SOF)");
            var marker = data[i++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue;  // markers without a length
            if (marker is 0xD9 or 0xDA)
                throw new InvalidImageException(source, InvalidImageReason.Corrupt, "the JPEG has no frame header (SOF) before its scan data.");
            if (i + 2 > data.Length) throw Truncated(source, ImageFormat.Jpeg, "a marker segment is cut off");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i, 2));
            if (length < 2) throw new InvalidImageException(source, InvalidImageReason.Corrupt, $"marker 0xFF{marker:X2} has length {length}.");
            var isStartOfFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isStartOfFrame)
            {
                if (i + 7 > data.Length) throw Truncated(source, ImageFormat.Jpeg, "the frame header (SOF) is cut off");
                int precision = data[i + 2];
                int height = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 3, 2));
                int width = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 5, 2));
                // A complete JPEG ends with EOI (FF D9); some writers pad after it.
                var tail = data[Math.Max(0, data.Length - 64)..];
                if (tail.IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0)
                    throw Truncated(source, ImageFormat.Jpeg, "the end-of-image marker (EOI) is missing");
                return new ImageHeader(ImageFormat.Jpeg, width, height, precision);
            }
            i += length;
        }
    }

    private static ImageHeader ReadBmp(ReadOnlySpan<byte> data, string source)
    {
        // File header (14) + the start of the info header: size (4), width (4), height (4), planes (2), bit count (2), compression (4).
        if (data.Length < 34) throw Truncated(source, ImageFormat.Bmp, "the bitmap headers are incomplete");
        var declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(2, 4));
        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(10, 4));
        var infoSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(14, 4));
        if (infoSize < 40)
            throw new InvalidImageException(source, InvalidImageReason.UnsupportedFormat, $"BMP info header of {infoSize} bytes (OS/2 bitmaps) is not accepted.");
        var width = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(18, 4));
        var height = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(22, 4));
        int bitCount = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(28, 2));
        var compression = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(30, 4));
        height = height == int.MinValue ? 0 : Math.Abs(height);  // negative height = rows stored top-down
        if (declaredSize > data.Length)
            throw Truncated(source, ImageFormat.Bmp, $"the header declares {declaredSize:N0} bytes but there are {data.Length:N0}");
        const uint uncompressed = 0, bitFields = 3;
        if ((compression == uncompressed || compression == bitFields) && width > 0 && height > 0 && bitCount > 0)
        {
            var stride = ((long)width * bitCount + 31) / 32 * 4;
            var needed = pixelOffset + stride * height;
            if (needed > data.Length)
                throw Truncated(source, ImageFormat.Bmp, $"{width} x {height} x {bitCount}-bit pixels need {needed:N0} bytes but there are {data.Length:N0}");
        }
        return new ImageHeader(ImageFormat.Bmp, width, height, bitCount >= 24 ? 8 : bitCount);
    }

    private static InvalidImageException Truncated(string source, ImageFormat format, string detail) =>
        new(source, InvalidImageReason.Truncated, $"{detail} ({format}).");

    private static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexString(data[..Math.Min(8, data.Length)]);
}
