using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace Malaria.Web.Tests.Support;

/// <summary>Bad inputs made from real ones, and the PNG writer they need.</summary>
internal static class TestFiles
{
    /// <summary>The first half of a real cell PNG: an interrupted copy.</summary>
    public static byte[] Truncated(string pngPath)
    {
        var bytes = File.ReadAllBytes(pngPath);
        return bytes[..(bytes.Length / 2)];
    }

    /// <summary>A valid 1 x 1 GIF89a: a real image in a format the classifier does not accept.</summary>
    public static byte[] Gif() =>
    [
        .. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF,
        0x21, 0xF9, 4, 1, 0, 0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B,
    ];

    /// <summary>
    /// A decompression bomb: a well-formed PNG of a few kilobytes whose header declares 50,000 x 50,000 RGB pixels
    /// (7.5 GB decoded) and whose data is the start of that many zero rows.
    /// </summary>
    public static byte[] DecompressionBomb(int side = 50_000)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, side);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), side);
        ihdr[8] = 8;   // bits per sample
        ihdr[9] = 2;   // RGB
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + 3 * side];
            for (var y = 0; y < 64; y++) z.Write(row);
        }
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A real cell re-encoded as JPEG (quality 95).</summary>
    public static byte[] AsJpeg(string pngPath)
    {
        using var bitmap = SKBitmap.Decode(pngPath);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    /// <summary>A real cell re-encoded as an uncompressed 24-bit bottom-up BMP.</summary>
    public static byte[] AsBmp(string pngPath)
    {
        using var bitmap = SKBitmap.Decode(pngPath);
        return Malaria.TestSupport.BmpWriter.Encode(bitmap.Width, bitmap.Height, (x, y) =>
        {
            var pixel = bitmap.GetPixel(x, y);
            return (pixel.Red, pixel.Green, pixel.Blue);
        });
    }

    /// <summary>
    /// The cell with its black mask replaced by a plasma colour: what a plain bounding-box crop from a smear looks
    /// like, unlike the masked training crops.
    /// </summary>
    public static byte[] OnPlasma(string pngPath)
    {
        using var bitmap = SKBitmap.Decode(pngPath);
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red <= 20 && c.Green <= 20 && c.Blue <= 20) bitmap.SetPixel(x, y, new SKColor(228, 206, 196));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static byte[] Text() => Encoding.UTF8.GetBytes("patient,cell,label\nP1,1,Parasitized\n");

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header.AsSpan(4));
        png.Write(header);
        png.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. header[4..], .. data]));
        png.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
