using Microsoft.ML.Data;

namespace Malaria.Benchmarks;

/// <summary>Generated cell-sized images (130 x 130, like the NIH crops): reddish "parasitized", bluish "uninfected".</summary>
public static class BenchmarkImages
{
    public const int Size = 130;

    /// <summary><paramref name="count"/> images, alternately reddish and bluish, seeded 0, 1, ...: the batch every benchmark scores.</summary>
    public static MLImage[] CreateBatch(int count) =>
        Enumerable.Range(0, count).Select(i => Create(red: i % 2 == 0, seed: i)).ToArray();

    public static MLImage Create(bool red, int seed, int size = Size)
    {
        var random = new Random(seed);
        var bgra = new byte[size * size * 4];
        for (var i = 0; i < size * size; i++)
        {
            byte strong = (byte)random.Next(170, 250), weak = (byte)random.Next(0, 60);
            bgra[4 * i] = red ? weak : strong;
            bgra[4 * i + 1] = (byte)random.Next(20, 90);
            bgra[4 * i + 2] = red ? strong : weak;
            bgra[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>A 130 x 130 cell stand-in written as PNG (the NIH crops' size and format); returns <paramref name="path"/>.</summary>
    public static string WritePng(string path, bool red, int seed)
    {
        using var image = Create(red, seed);
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(image.Width, image.Height, SkiaSharp.SKColorType.Bgra8888, SkiaSharp.SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(image.Pixels.ToArray(), 0, bitmap.GetPixels(), image.Pixels.Length);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }
}
