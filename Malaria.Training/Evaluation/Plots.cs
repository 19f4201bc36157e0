using System.Globalization;
using SkiaSharp;

namespace Malaria.Training.Evaluation;

/// <summary>
/// PNG pictures of a result drawn with SkiaSharp 2.88 (the version ImageAnalytics needs, so no second graphics
/// stack enters the process): the confusion matrix as a heat map with counts, and the ROC curve with its AUC.
/// </summary>
public static class Plots
{
    private const int Size = 520;

    /// <summary>The confusion matrix: rows true labels, columns predicted, cells shaded by row share.</summary>
    public static byte[] ConfusionMatrix(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var n = result.Labels.Count;
        using var surface = SKSurface.Create(new SKImageInfo(Size, Size));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = Font(15);
        using var small = Font(13);
        const float left = 130, top = 70, grid = Size - left - 30;
        var cell = grid / n;
        using (var title = Font(17)) DrawCentered(canvas, $"Confusion matrix ({result.Part}, {result.Rows:N0} images)", Size / 2f, 26, title);
        DrawCentered(canvas, "predicted", left + grid / 2, top - 10, small);
        for (var t = 0; t < n; t++)
        {
            var rowTotal = Math.Max(1, result.ConfusionMatrix[t].Sum());
            for (var p = 0; p < n; p++)
            {
                var count = result.ConfusionMatrix[t][p];
                var share = (float)count / rowTotal;
                var rect = SKRect.Create(left + p * cell, top + t * cell, cell, cell);
                using var fill = new SKPaint { Color = Blend(share), Style = SKPaintStyle.Fill };
                canvas.DrawRect(rect, fill);
                using var border = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
                canvas.DrawRect(rect, border);
                text.Color = share > 0.5f ? SKColors.White : SKColors.Black;
                DrawCentered(canvas, count.ToString("N0", CultureInfo.InvariantCulture), rect.MidX, rect.MidY, text);
                DrawCentered(canvas, share.ToString("P1", CultureInfo.InvariantCulture), rect.MidX, rect.MidY + 20, text);
            }
            text.Color = SKColors.Black;
            canvas.DrawText(result.Labels[t], 10, top + t * cell + cell / 2, text);
        }
        for (var p = 0; p < n; p++) DrawCentered(canvas, result.Labels[p], left + p * cell + cell / 2, top + grid + 20, text);
        canvas.DrawText("true", 10, top - 10, small);
        return Encode(surface);
    }

    /// <summary>The ROC curve of the positive label's score, with the chance diagonal and the AUC.</summary>
    public static byte[] RocCurve(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var surface = SKSurface.Create(new SKImageInfo(Size, Size));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        const float left = 60, top = 60, plot = Size - left - 40;
        SKPoint At(double fpr, double tpr) => new(left + (float)fpr * plot, top + plot - (float)tpr * plot);
        using var axis = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f, IsAntialias = true };
        canvas.DrawRect(SKRect.Create(left, top, plot, plot), axis);
        using var chance = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1, PathEffect = SKPathEffect.CreateDash([6, 4], 0), IsAntialias = true };
        canvas.DrawLine(At(0, 0), At(1, 1), chance);
        using var curve = new SKPaint { Color = new SKColor(0xC0, 0x30, 0x30), Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f, IsAntialias = true };
        using var path = new SKPath();
        var points = result.RocCurve.Count > 0 ? result.RocCurve : [new RocPoint(0, 0, 0)];
        path.MoveTo(At(points[0].FalsePositiveRate, points[0].TruePositiveRate));
        foreach (var point in points.Skip(1)) path.LineTo(At(point.FalsePositiveRate, point.TruePositiveRate));
        canvas.DrawPath(path, curve);
        using var text = Font(14);
        // Each operating point where it sits on the curve, numbered, with its figures listed at the bottom right
        // (where a useful model's curve never goes), so a reader sees what each threshold trades.
        using var mark = new SKPaint { Color = new SKColor(0x1F, 0x4E, 0x96), Style = SKPaintStyle.Fill, IsAntialias = true };
        using var markText = Font(12);
        markText.Color = mark.Color;
        var marks = (result.OperatingPoints ?? []).Where(p => !double.IsNaN(p.Sensitivity) && !double.IsNaN(p.Specificity)).ToList();
        for (var i = 0; i < marks.Count; i++)
        {
            var point = marks[i];
            var at = At(1 - point.Specificity, point.Sensitivity);
            canvas.DrawCircle(at, 5, mark);
            canvas.DrawText((i + 1).ToString(CultureInfo.InvariantCulture), at.X + 7, at.Y + 14, markText);
            var label = string.Create(CultureInfo.InvariantCulture,
                $"{i + 1}: {point.Name}{(point.IsDefault ? " (default)" : "")}, t = {point.Threshold:0.###}: sens {point.Sensitivity:F3}, spec {point.Specificity:F3}");
            canvas.DrawText(label, left + plot - 8 - markText.MeasureText(label), top + plot - 10 - 16 * (marks.Count - 1 - i), markText);
        }
        for (var i = 0; i <= 4; i++)
        {
            var v = i / 4.0;
            var label = v.ToString("0.00", CultureInfo.InvariantCulture);
            DrawCentered(canvas, label, At(v, 0).X, top + plot + 18, text);
            canvas.DrawText(label, left - 40, At(0, v).Y + 5, text);
        }
        using (var title = Font(16)) DrawCentered(canvas, $"ROC, positive = {result.PositiveLabel} ({result.Part}): AUC {result.Auc.ToString("F4", CultureInfo.InvariantCulture)}", Size / 2f, 26, title);
        DrawCentered(canvas, "false positive rate (1 - specificity)", left + plot / 2, Size - 2, text);
        canvas.DrawText("true positive rate (recall)", left, top - 8, text);
        return Encode(surface);
    }

    private static SKPaint Font(float size) => new()
    {
        Color = SKColors.Black, IsAntialias = true, TextSize = size,
        Typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default,
    };

    private static void DrawCentered(SKCanvas canvas, string text, float x, float y, SKPaint paint)
    {
        var width = paint.MeasureText(text);
        canvas.DrawText(text, x - width / 2, y, paint);
    }

    private static SKColor Blend(float share)
    {
        // White to a dark blue, by the share of the true label's images in the cell.
        byte Mix(byte from, byte to) => (byte)(from + (to - from) * share);
        return new SKColor(Mix(255, 0x1F), Mix(255, 0x4E), Mix(255, 0x96));
    }

    private static byte[] Encode(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
