using System.Globalization;
using SkiaSharp;

namespace Malaria.Training.Evaluation;

/// <summary>
/// The reliability diagram: for each of <see cref="CalibrationMetrics.Bins"/> bins of P(positive), the share of
/// positive images against the mean probability, beside the diagonal a calibrated model follows; one curve per set
/// of probabilities (before and after the card's temperature), with each bin's image count under the plot.
/// </summary>
internal static class ReliabilityDiagram
{
    public const string FileName = "reliability.png";

    private static readonly SKColor[] Colours = [new(0x99, 0x99, 0x99), new(0xC0, 0x30, 0x30)];

    public static byte[] Draw(string title, IReadOnlyList<(string Name, IReadOnlyList<double> Probability)> curves, IReadOnlyList<bool> positive)
    {
        const int width = 620, height = 620;
        const float left = 70, top = 60, plot = 470;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        SKPoint At(double x, double y) => new(left + (float)x * plot, top + plot - (float)y * plot);
        using var text = PlotText.Font(13);
        using (var heading = PlotText.Font(16)) PlotText.Centered(canvas, title, width / 2f, 28, heading);
        using var axis = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f, IsAntialias = true };
        canvas.DrawRect(SKRect.Create(left, top, plot, plot), axis);
        using var grid = new SKPaint { Color = new SKColor(0xE4, 0xE4, 0xE4), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        for (var i = 1; i < 5; i++)
        {
            canvas.DrawLine(At(i / 5.0, 0), At(i / 5.0, 1), grid);
            canvas.DrawLine(At(0, i / 5.0), At(1, i / 5.0), grid);
        }
        using var diagonal = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1, PathEffect = SKPathEffect.CreateDash([6, 4], 0), IsAntialias = true };
        canvas.DrawLine(At(0, 0), At(1, 1), diagonal);
        for (var i = 0; i <= 5; i++)
        {
            var v = (i / 5.0).ToString("0.0", CultureInfo.InvariantCulture);
            PlotText.Centered(canvas, v, At(i / 5.0, 0).X, top + plot + 18, text);
            canvas.DrawText(v, left - 30, At(0, i / 5.0).Y + 5, text);
        }
        PlotText.Centered(canvas, "mean predicted P(positive) in the bin", left + plot / 2, top + plot + 38, text);
        canvas.Save();
        canvas.RotateDegrees(-90, 18, top + plot / 2);
        PlotText.Centered(canvas, "share of positive images in the bin", 18, top + plot / 2, text);
        canvas.Restore();

        for (var c = 0; c < curves.Count; c++)
        {
            var bins = CalibrationMetrics.Reliability(curves[c].Probability, positive);
            var figures = CalibrationMetrics.Compute(curves[c].Probability, positive);
            using var line = new SKPaint { Color = Colours[c % Colours.Length], Style = SKPaintStyle.Stroke, StrokeWidth = 2.2f, IsAntialias = true };
            using var dot = new SKPaint { Color = Colours[c % Colours.Length], Style = SKPaintStyle.Fill, IsAntialias = true };
            using var path = new SKPath();
            for (var b = 0; b < bins.Count; b++)
            {
                var point = At(bins[b].MeanProbability, bins[b].PositiveRate);
                if (b == 0) path.MoveTo(point); else path.LineTo(point);
                // Dot area grows with the bin's images, so a bin of three images does not look like one of thousands.
                canvas.DrawCircle(point, 2.5f + 6f * (float)Math.Sqrt((double)bins[b].Count / positive.Count), dot);
            }
            canvas.DrawPath(path, line);
            var legendY = top + 22 + c * 20;
            canvas.DrawLine(left + 12, legendY - 4, left + 36, legendY - 4, line);
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"{curves[c].Name}: ECE {figures.Ece:F4}, log-loss {figures.LogLoss:F4}"), left + 42, legendY, text);
        }
        // Images per bin of the last curve (the one the library reports), along the bottom.
        var last = CalibrationMetrics.Reliability(curves[^1].Probability, positive);
        using var small = PlotText.Font(10);
        small.Color = SKColors.DimGray;
        canvas.DrawText($"images per bin ({curves[^1].Name}): " + string.Join(" ", last.Select(b => b.Count.ToString(CultureInfo.InvariantCulture))), left, height - 12, small);
        return PlotText.Encode(surface);
    }
}
