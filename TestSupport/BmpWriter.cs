using System.Buffers.Binary;

namespace Malaria.TestSupport;

/// <summary>
/// Writes an uncompressed 24-bit bottom-up BMP by hand, so tests control every byte of the file the decoder reads.
/// Linked into each test project that needs it (one copy in the repository).
/// </summary>
internal static class BmpWriter
{
    /// <summary>The BMP of a <paramref name="width"/> x <paramref name="height"/> image whose pixel (x, y), top row first, is <paramref name="rgbAt"/>.</summary>
    public static byte[] Encode(int width, int height, Func<int, int, (byte R, byte G, byte B)> rgbAt)
    {
        var stride = (width * 3 + 3) / 4 * 4;
        var bmp = new byte[54 + stride * height];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), stride * height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                // Rows are stored bottom-up, each pixel as B, G, R.
                var (r, g, b) = rgbAt(x, height - 1 - y);
                var o = 54 + y * stride + 3 * x;
                (bmp[o], bmp[o + 1], bmp[o + 2]) = (b, g, r);
            }
        return bmp;
    }
}
