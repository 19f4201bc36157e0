using Malaria.Training.Data;
using Malaria.Training.Torch;
using SkiaSharp;

namespace Malaria.Training.Tests.Torch;

/// <summary>
/// A learnable toy task: "Parasitized" images carry a small dark-purple dot at a random place on a pink disc,
/// "Uninfected" images do not. Generated from a seed, in memory or as PNG files.
/// </summary>
internal static class TorchTestImages
{
    public static readonly string[] Labels = ["Parasitized", "Uninfected"];

    public static byte[] Render(bool infected, int size, Random random)
    {
        var planes = new byte[3 * size * size];
        var plane = size * size;
        var (cx, cy) = (size / 2 + random.Next(-2, 3), size / 2 + random.Next(-2, 3));
        var radius = size * 0.4;
        var (dx, dy) = (cx + random.Next(-size / 5, size / 5 + 1), cy + random.Next(-size / 5, size / 5 + 1));
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var p = y * size + x;
            var inCell = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
            var inDot = infected && (x - dx) * (x - dx) + (y - dy) * (y - dy) <= 6;
            var noise = random.Next(-12, 13);
            var (r, g, b) = inDot ? (90, 40, 120) : inCell ? (220, 150, 170) : (0, 0, 0);
            planes[p] = (byte)Math.Clamp(r + noise, 0, 255);
            planes[plane + p] = (byte)Math.Clamp(g + noise, 0, 255);
            planes[2 * plane + p] = (byte)Math.Clamp(b + noise, 0, 255);
        }
        return planes;
    }

    /// <summary>In-memory set of <paramref name="count"/> images, labels alternating; groups named after the index.</summary>
    public static DecodedImageSet Set(int count, int size, int seed, string groupPrefix = "G")
    {
        var random = new Random(seed);
        var pixels = new byte[count * 3 * size * size];
        var labels = new int[count];
        var images = new List<LabeledImage>();
        for (var i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            Render(labels[i] == 0, size, random).CopyTo(pixels, i * 3 * size * size);
            images.Add(new LabeledImage($"/generated/{groupPrefix}{i}.png", Labels[labels[i]], $"{groupPrefix}{i / 4}"));
        }
        return DecodedImageSet.FromPixels(images, size, pixels, labels);
    }

    /// <summary>Writes PNGs under <paramref name="root"/>/Label/ and returns them as labeled images (group = patient "C{n}").</summary>
    public static List<LabeledImage> WritePngs(string root, int count, int size, int seed)
    {
        var random = new Random(seed);
        var images = new List<LabeledImage>();
        for (var i = 0; i < count; i++)
        {
            var label = Labels[i % 2];
            var folder = Directory.CreateDirectory(Path.Combine(root, label)).FullName;
            var planes = Render(i % 2 == 0, size, random);
            using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var plane = size * size;
            for (var p = 0; p < plane; p++)
                bitmap.SetPixel(p % size, p / size, new SKColor(planes[p], planes[plane + p], planes[2 * plane + p]));
            var group = $"C{i / 6 + 1}";
            var path = Path.Combine(folder, $"{group}P1_cell_{i}.png");
            using (var data = bitmap.Encode(SKEncodedImageFormat.Png, 100))
            using (var file = File.Create(path))
                data.SaveTo(file);
            images.Add(new LabeledImage(path, label, group));
        }
        return images;
    }
}
