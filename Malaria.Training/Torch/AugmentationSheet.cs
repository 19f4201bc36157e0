using Malaria.Inference.IO;
using SkiaSharp;

namespace Malaria.Training.Torch;

/// <summary>
/// <c>augmentation.png</c>: the first training batch of a run exactly as the network receives it (same seed, same
/// producer), each tile marked with its label, so whoever trains can see what the augmentation does to the cells.
/// </summary>
internal static class AugmentationSheet
{
    public const string FileName = "augmentation.png";

    private const int Columns = 8, Rows = 4, Scale = 2, Gap = 4, Caption = 14;

    /// <summary>Writes the sheet to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Write(string path, DecodedImageSet set, IReadOnlyList<string> labels, TorchTrainingOptions options)
    {
        var indices = Enumerable.Range(0, set.Count).ToArray();
        var batch = BatchProducer.Batches(set, indices, Math.Min(options.BatchSize, set.Count), shuffle: true,
            options.Augmentation, options.Seed, epoch: 0, dropLast: false).First();
        var size = set.Size;
        var tile = size * Scale;
        var count = Math.Min(Columns * Rows, batch.Labels.Length);
        var rows = (count + Columns - 1) / Columns;
        using var surface = SKSurface.Create(new SKImageInfo(Columns * (tile + Gap) + Gap, rows * (tile + Caption + Gap) + Gap));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 11, Typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default };
        var plane = size * size;
        for (var i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
            var offset = i * 3 * plane;
            for (var p = 0; p < plane; p++)
            {
                static byte B(float v) => (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
                bitmap.SetPixel(p % size, p / size, new SKColor(B(batch.Pixels[offset + p]), B(batch.Pixels[offset + plane + p]), B(batch.Pixels[offset + 2 * plane + p])));
            }
            var left = Gap + i % Columns * (tile + Gap);
            var top = Gap + i / Columns * (tile + Caption + Gap);
            canvas.DrawBitmap(bitmap, SKRect.Create(left, top, tile, tile));
            canvas.DrawText(labels[(int)batch.Labels[i]], left, top + tile + Caption - 3, font);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, data.AsSpan());
    }
}
