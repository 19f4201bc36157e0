using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML.Data;
using Malaria.Inference.Imaging;
using SkiaSharp;

namespace Malaria.Testing;

/// <summary>
/// Generated cell stand-ins: "red" images are Parasitized and "blue" ones Uninfected for the test models. The PNG
/// and BMP writers are minimal on purpose, so each colour type and bit depth the decoder must accept can be made.
/// </summary>
internal static class TestImages
{
    public enum Tint { Red, Blue }

    /// <summary>RGB pixels (row-major, 3 bytes each) of a noisy tinted image.</summary>
    public static byte[] Rgb(Tint tint, int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < width * height; i++)
        {
            byte strong = (byte)random.Next(170, 250), weak = (byte)random.Next(0, 60), mid = (byte)random.Next(20, 90);
            rgb[3 * i] = tint == Tint.Red ? strong : weak;
            rgb[3 * i + 1] = mid;
            rgb[3 * i + 2] = tint == Tint.Red ? weak : strong;
        }
        return rgb;
    }

    public static MLImage Decoded(Tint tint, int size = 16, int seed = 1)
    {
        var rgb = Rgb(tint, size, size, seed);
        var bgra = new byte[size * size * 4];
        for (var i = 0; i < size * size; i++)
        {
            bgra[4 * i] = rgb[3 * i + 2];
            bgra[4 * i + 1] = rgb[3 * i + 1];
            bgra[4 * i + 2] = rgb[3 * i];
            bgra[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>PNG colour types: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA.</summary>
    public static byte[] Png(Tint tint, int width = 24, int height = 20, int colorType = 2, int bitDepth = 8, int seed = 1)
    {
        var rgb = Rgb(tint, width, height, seed);
        var channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colorType)) };
        var bytesPerSample = bitDepth / 8;
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0);  // filter: none
            for (var x = 0; x < width; x++)
            {
                var i = 3 * (y * width + x);
                byte r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
                var grey = (byte)((r * 77 + g * 150 + b * 29) >> 8);
                byte[] samples = colorType switch
                {
                    0 => [grey],
                    2 => [r, g, b],
                    4 => [grey, 255],
                    _ => [r, g, b, 255],
                };
                foreach (var s in samples)
                {
                    raw.WriteByte(s);
                    if (bytesPerSample == 2) raw.WriteByte(s);  // 16-bit: v * 257
                }
            }
        }
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(png, "IHDR", ihdr);
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw.ToArray());
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A PNG whose IHDR declares a huge size, with a tiny body: a decompression bomb's header.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var png = Png(Tint.Red, 4, 4);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        return png;
    }

    /// <summary>
    /// A PNG whose compressed pixel data (inside IDAT) is scrambled while every chunk CRC is recomputed, so that the
    /// chunk walk passes and only inflating finds the damage.
    /// </summary>
    public static byte[] PngWithScrambledPixelData()
    {
        var png = Png(Tint.Red);
        const int idat = 33;  // signature (8) + IHDR chunk (25)
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        var body = png.AsSpan(idat + 8, length);
        for (var i = 2; i < body.Length; i++) body[i] ^= 0x5A;  // keep the 2-byte zlib header
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(idat + 8 + length), Crc32.Compute(png.AsSpan(idat + 4, 4 + length)));
        return png;
    }

    public static byte[] Jpeg(Tint tint, int width = 24, int height = 20, bool grey = false, int seed = 1)
    {
        var rgb = Rgb(tint, width, height, seed);
        using var bitmap = new SKBitmap(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = 3 * (y * width + x);
                bitmap.SetPixel(x, y, new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    /// <summary>An uncompressed 24-bit bottom-up BMP.</summary>
    public static byte[] Bmp(Tint tint, int width = 24, int height = 20, int seed = 1)
    {
        var rgb = Rgb(tint, width, height, seed);
        return Malaria.TestSupport.BmpWriter.Encode(width, height, (x, y) =>
        {
            var i = 3 * (y * width + x);
            return (rgb[i], rgb[i + 1], rgb[i + 2]);
        });
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, header[4..]);
        png.Write(header);
        png.Write(data);
        var crc = Crc32.Compute([.. header[4..], .. data]);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        png.Write(crcBytes);
    }
}
