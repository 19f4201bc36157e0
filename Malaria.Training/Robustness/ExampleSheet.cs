using System.Globalization;
using Malaria.Inference;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>
/// <c>examples.png</c>: one positive cell of the set, clean and under every shift at severity 2, each tile labelled
/// with the shift, its parameters and the model's probability for the positive label, so a reader sees what each
/// shift does. The tiles are the very pixels the benchmark scored (same seed, same generator).
/// </summary>
public static class ExampleSheet
{
    /// <summary>The severity shown.</summary>
    public const int Severity = 2;

    private const int Columns = 5, Tile = 200, ImageBox = 170, CaptionHeight = 62, Margin = 16, TitleHeight = 56;

    /// <summary>
    /// The index of the example: a positive cell drawn with <paramref name="seed"/> (any cell when the set has no positives).
    /// </summary>
    public static int Choose(BenchmarkCells cells, int seed)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var positives = Enumerable.Range(0, cells.Count).Where(i => cells.IsPositive[i]).ToList();
        var pool = positives.Count > 0 ? positives : Enumerable.Range(0, cells.Count).ToList();
        return pool[new Random(seed).Next(pool.Count)];
    }

    /// <summary>The sheet as PNG bytes.</summary>
    public static byte[] Draw(IMalariaClassifier classifier, BenchmarkCells cells, int index, int seed, IReadOnlyList<ImageShift> shifts)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(shifts);
        var tiles = new List<(string Name, string Parameters, CellPixels Pixels)> { ("clean", "unshifted", cells.Pixels[index]) };
        foreach (var shift in shifts)
            tiles.Add(($"{shift.Name}", shift.Levels[Severity - 1].Parameters, RobustnessBenchmark.Shifted(cells, index, shift, Severity, seed)));
        var probabilities = Score(classifier, tiles.Select(t => t.Pixels).ToList(), cells.PositiveLabel);

        var rows = (tiles.Count + Columns - 1) / Columns;
        var width = Margin * 2 + Columns * Tile;
        var height = TitleHeight + rows * (ImageBox + CaptionHeight) + Margin;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var title = SkiaDrawing.Font(18, bold: true))
            canvas.DrawText($"{cells.Keys[index]} under every shift at severity {Severity}", Margin, 28, title);
        using (var subtitle = SkiaDrawing.Font(13))
            canvas.DrawText($"P({cells.PositiveLabel}) is the model's probability for each picture; 0.5 and above is called {cells.PositiveLabel}.", Margin, 48, subtitle);

        using var name = SkiaDrawing.Font(15, bold: true);
        using var detail = SkiaDrawing.Font(12);
        using var frame = new SKPaint { Color = new SKColor(0xBB, 0xBB, 0xBB), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        using var sampling = new SKPaint { FilterQuality = SKFilterQuality.Medium, IsAntialias = true };
        for (var t = 0; t < tiles.Count; t++)
        {
            var left = Margin + t % Columns * Tile + (Tile - ImageBox) / 2f;
            var top = TitleHeight + t / Columns * (ImageBox + CaptionHeight);
            var pixels = tiles[t].Pixels;
            var scale = (float)ImageBox / Math.Max(pixels.Width, pixels.Height);
            var box = SKRect.Create(left + (ImageBox - pixels.Width * scale) / 2, top + (ImageBox - pixels.Height * scale) / 2, pixels.Width * scale, pixels.Height * scale);
            using (var bitmap = pixels.ToBitmap()) canvas.DrawBitmap(bitmap, box, sampling);
            canvas.DrawRect(SKRect.Create(left, top, ImageBox, ImageBox), frame);
            var centre = left + ImageBox / 2f;
            SkiaDrawing.DrawCentered(canvas, tiles[t].Name, centre, top + ImageBox + 18, name);
            SkiaDrawing.DrawCentered(canvas, tiles[t].Parameters, centre, top + ImageBox + 34, detail);
            var p = probabilities[t];
            detail.Color = p >= 0.5 ? SKColors.Black : new SKColor(0xC0, 0x30, 0x30);
            SkiaDrawing.DrawCentered(canvas, $"P({cells.PositiveLabel}) {p.ToString("F2", CultureInfo.InvariantCulture)}", centre, top + ImageBox + 50, detail);
            detail.Color = SKColors.Black;
        }
        return SkiaDrawing.EncodePng(surface);
    }

    private static double[] Score(IMalariaClassifier classifier, IReadOnlyList<CellPixels> pixels, string positiveLabel)
    {
        var images = pixels.Select(p => p.ToImage()).ToList();
        try { return classifier.ClassifyBatch(images).Select(p => (double)p.ScoreOf(positiveLabel)).ToArray(); }
        finally { foreach (MLImage image in images) image.Dispose(); }
    }
}
