using SkiaSharp;

namespace Malaria.Tests;

/// <summary>Small generated images in each supported format, so unit tests need no data set.</summary>
internal static class TestImages
{
    public static byte[] Png(int width = 8, int height = 8, byte r = 200, byte g = 30, byte b = 60) => Encode(width, height, r, g, b, SKEncodedImageFormat.Png);

    public static byte[] Jpeg(int width = 8, int height = 8, byte r = 200, byte g = 30, byte b = 60) => Encode(width, height, r, g, b, SKEncodedImageFormat.Jpeg);

    /// <summary>A 24-bit BMP written by hand: Skia has no BMP encoder.</summary>
    public static byte[] Bmp(int width = 8, int height = 8, byte r = 200, byte g = 30, byte b = 60)
    {
        var stride = (width * 3 + 3) & ~3;
        var size = 54 + stride * height;
        var data = new byte[size];
        data[0] = (byte)'B'; data[1] = (byte)'M';
        BitConverter.GetBytes(size).CopyTo(data, 2);
        BitConverter.GetBytes(54).CopyTo(data, 10);
        BitConverter.GetBytes(40).CopyTo(data, 14);
        BitConverter.GetBytes(width).CopyTo(data, 18);
        BitConverter.GetBytes(height).CopyTo(data, 22);
        BitConverter.GetBytes((short)1).CopyTo(data, 26);
        BitConverter.GetBytes((short)24).CopyTo(data, 28);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var o = 54 + y * stride + x * 3;
                data[o] = b; data[o + 1] = g; data[o + 2] = r;
            }
        return data;
    }

    private static byte[] Encode(int width, int height, byte r, byte g, byte b, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                // A small gradient makes every generated image distinct unless its colour and size are the same.
                bitmap.SetPixel(x, y, new SKColor((byte)Math.Clamp(r + x, 0, 255), g, (byte)Math.Clamp(b + y, 0, 255)));
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(format, 90);
        return encoded.ToArray();
    }
}
