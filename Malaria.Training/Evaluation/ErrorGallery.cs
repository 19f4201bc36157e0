using System.Globalization;
using Malaria.Inference;
using SkiaSharp;

namespace Malaria.Training.Evaluation;

/// <summary>
/// A picture of the most confidently wrong images: each cell beside its Grad-CAM overlay (the evidence for the label
/// the model called), with its patient, true and called label and P(positive). Where the heat sits on a wrong call
/// tells a stain artefact or a debris speck from a doubtful label faster than the CSV does.
/// </summary>
internal static class ErrorGallery
{
    public const string FileName = "worst-errors.png";

    /// <summary>How many errors the picture shows unless told otherwise.</summary>
    public const int DefaultCount = 12;

    private const int Tile = 128, Columns = 3, Caption = 58, Gap = 12;

    /// <summary>Draws the first <paramref name="count"/> of <paramref name="errors"/> (most confidently wrong first); null when there are none.</summary>
    public static byte[]? Draw(MalariaClassifier classifier, IReadOnlyList<MisclassifiedImage> errors, string positiveLabel, int count = DefaultCount)
    {
        var shown = errors.Take(count).ToList();
        if (shown.Count == 0) return null;
        var rows = (shown.Count + Columns - 1) / Columns;
        const int cellWidth = 2 * Tile + Gap;
        int width = Columns * cellWidth + (Columns + 1) * Gap, height = 44 + rows * (Tile + Caption + Gap) + Gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var title = PlotText.Font(16))
            PlotText.Centered(canvas, classifier.CanExplain
                ? $"The {shown.Count} most confidently wrong images: the cell, and the Grad-CAM evidence for the label called"
                : $"The {shown.Count} most confidently wrong images (this model has no class activation maps)", width / 2f, 28, title);
        using var text = PlotText.Font(11);
        using var frame = new SKPaint { Color = SKColors.LightGray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        for (var i = 0; i < shown.Count; i++)
        {
            var error = shown[i];
            float x = Gap + i % Columns * (cellWidth + Gap), y = 44 + i / Columns * (Tile + Caption + Gap);
            using (var original = SKBitmap.Decode(error.Path))
                if (original is not null) canvas.DrawBitmap(original, SKRect.Create(x, y, Tile, Tile));
            canvas.DrawRect(SKRect.Create(x, y, Tile, Tile), frame);
            if (classifier.CanExplain)
            {
                using var overlay = SKBitmap.Decode(classifier.Explain(error.Path).ToOverlayPng());
                canvas.DrawBitmap(overlay, SKRect.Create(x + Tile + Gap, y, Tile, Tile));
                canvas.DrawRect(SKRect.Create(x + Tile + Gap, y, Tile, Tile), frame);
            }
            canvas.DrawText($"{i + 1}. {error.Group}: {error.TrueLabel} called {error.PredictedLabel}", x, y + Tile + 15, text);
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"P({positiveLabel}) {error.PositiveProbability:F3}"), x, y + Tile + 30, text);
            var file = Path.GetFileName(error.Path);
            canvas.DrawText(file.Length > 40 ? "…" + file[^39..] : file, x, y + Tile + 45, text);
        }
        return PlotText.Encode(surface);
    }
}
