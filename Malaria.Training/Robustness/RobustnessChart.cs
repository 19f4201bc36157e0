using System.Globalization;
using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>
/// <c>robustness.png</c>: three stacked panels (recall, specificity, ROC AUC), one group of three bars (severities 1, 2,
/// 3, light to dark) per shift, the clean value as a dashed line, the value written over each bar, and the families
/// separated and named.
/// </summary>
public static class RobustnessChart
{
    private const float Left = 90, Right = 110, Top = 140, PanelHeight = 230, PanelGap = 50, GroupWidth = 96;

    private static readonly SKColor[] SeverityColours = [new(0x9E, 0xC5, 0xE8), new(0x3F, 0x80, 0xC0), new(0x12, 0x3C, 0x78)];
    private static readonly SKColor CleanColour = new(0xC0, 0x30, 0x30);

    private sealed record Panel(string Title, Func<RobustnessRow, double> Value, double Low, Func<double, string> Label);

    /// <summary>The chart as PNG bytes.</summary>
    /// <param name="rows">The clean row and the shifts' rows.</param>
    /// <param name="shifts">The shifts in the order to draw.</param>
    /// <param name="model">Named in the title.</param>
    public static byte[] Draw(IReadOnlyList<RobustnessRow> rows, IReadOnlyList<ImageShift> shifts, string model)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(shifts);
        var clean = rows.Single(r => r.Shift == RobustnessRow.Clean);
        Panel[] panels =
        [
            new("recall (Parasitized found)", r => r.Metrics.Recall, 0, v => (v * 100).ToString("F0", CultureInfo.InvariantCulture)),
            new("specificity (uninfected kept)", r => r.Metrics.Specificity, 0, v => (v * 100).ToString("F0", CultureInfo.InvariantCulture)),
            // AUC from 0.5 (chance) up: below it the ranking is worse than a coin.
            new("ROC AUC", r => r.Metrics.RocAuc, 0.5, v => v.ToString("F2", CultureInfo.InvariantCulture).TrimStart('0')),
        ];
        var width = (int)(Left + shifts.Count * GroupWidth + Right);
        var height = (int)(Top + panels.Length * (PanelHeight + PanelGap) + 10);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        using (var title = SkiaDrawing.Font(20, bold: true))
            canvas.DrawText($"Recall, specificity and ROC AUC under controlled shifts ({clean.Cells:N0} cells)", Left, 30, title);
        using (var subtitle = SkiaDrawing.Font(13))
            canvas.DrawText($"Model: {model}", Left, 52, subtitle);
        DrawLegend(canvas, Left, 80, clean);
        DrawFamilies(canvas, shifts, Top - 14);
        for (var p = 0; p < panels.Length; p++)
            DrawPanel(canvas, panels[p], Top + p * (PanelHeight + PanelGap), rows, shifts, clean);
        return SkiaDrawing.EncodePng(surface);
    }

    private static void DrawLegend(SKCanvas canvas, float x, float y, RobustnessRow clean)
    {
        using var text = SkiaDrawing.Font(14);
        for (var s = 0; s < 3; s++)
        {
            using var fill = new SKPaint { Color = SeverityColours[s], Style = SKPaintStyle.Fill };
            canvas.DrawRect(SKRect.Create(x, y - 12, 16, 14), fill);
            var label = $"severity {s + 1}" + (s == 0 ? " (mild)" : s == 2 ? " (strong)" : "");
            canvas.DrawText(label, x + 22, y, text);
            x += 34 + text.MeasureText(label);
        }
        using var line = CleanLine();
        canvas.DrawLine(x, y - 5, x + 30, y - 5, line);
        canvas.DrawText("clean (unshifted) value", x + 38, y, text);
    }

    /// <summary>Each family's name centred over its shifts, with a bracket line under it; long names wrap onto two lines.</summary>
    private static void DrawFamilies(SKCanvas canvas, IReadOnlyList<ImageShift> shifts, float y)
    {
        using var text = SkiaDrawing.Font(13, bold: true);
        text.Color = new SKColor(0x44, 0x44, 0x44);
        using var bracket = new SKPaint { Color = new SKColor(0x88, 0x88, 0x88), Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
        for (var g = 0; g < shifts.Count;)
        {
            var end = g;
            while (end + 1 < shifts.Count && shifts[end + 1].Family == shifts[g].Family) end++;
            float from = Left + g * GroupWidth + 6, to = Left + (end + 1) * GroupWidth - 6;
            canvas.DrawLine(from, y, to, y, bracket);
            var name = shifts[g].Family;
            if (text.MeasureText(name) > to - from && name.Contains(' ', StringComparison.Ordinal))
            {
                var cut = name.LastIndexOf(' ', name.Length / 2 + 3);
                if (cut <= 0) cut = name.IndexOf(' ', StringComparison.Ordinal);
                SkiaDrawing.DrawCentered(canvas, name[..cut], (from + to) / 2, y - 22, text);
                SkiaDrawing.DrawCentered(canvas, name[(cut + 1)..], (from + to) / 2, y - 6, text);
            }
            else SkiaDrawing.DrawCentered(canvas, name, (from + to) / 2, y - 6, text);
            g = end + 1;
        }
    }

    private static void DrawPanel(SKCanvas canvas, Panel panel, float top, IReadOnlyList<RobustnessRow> rows, IReadOnlyList<ImageShift> shifts,
        RobustnessRow clean)
    {
        var plotWidth = shifts.Count * GroupWidth;
        float Y(double v) => top + PanelHeight - (float)((Math.Clamp(double.IsNaN(v) ? panel.Low : v, panel.Low, 1) - panel.Low) / (1 - panel.Low)) * PanelHeight;

        using var small = SkiaDrawing.Font(11);
        using var text = SkiaDrawing.Font(14);
        using (var heading = SkiaDrawing.Font(15, bold: true))
        {
            // The panel's name runs up its left side, clear of the bars and the families above.
            canvas.Save();
            canvas.RotateDegrees(-90, 22, top + PanelHeight / 2);
            SkiaDrawing.DrawCentered(canvas, panel.Title, 22, top + PanelHeight / 2, heading);
            canvas.Restore();
        }
        using var grid = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        for (var i = 0; i <= 5; i++)
        {
            var v = panel.Low + (1 - panel.Low) * i / 5;
            canvas.DrawLine(Left, Y(v), Left + plotWidth, Y(v), grid);
            var label = v.ToString("0.0", CultureInfo.InvariantCulture);
            canvas.DrawText(label, Left - 8 - small.MeasureText(label), Y(v) + 4, small);
        }

        using var separator = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1, PathEffect = SKPathEffect.CreateDash([4, 4], 0) };
        for (var g = 0; g < shifts.Count; g++)
        {
            var x0 = Left + g * GroupWidth;
            if (g > 0 && shifts[g].Family != shifts[g - 1].Family) canvas.DrawLine(x0, top - 4, x0, top + PanelHeight + 30, separator);
            const float barWidth = 24;
            for (var s = 1; s <= 3; s++)
            {
                var row = rows.FirstOrDefault(r => r.Shift == shifts[g].Name && r.Severity == s);
                if (row is null) continue;
                var value = panel.Value(row);
                var x = x0 + 10 + (s - 1) * (barWidth + 2);
                using var fill = new SKPaint { Color = SeverityColours[s - 1], Style = SKPaintStyle.Fill };
                canvas.DrawRect(SKRect.Create(x, Y(value), barWidth, top + PanelHeight - Y(value)), fill);
                SkiaDrawing.DrawCentered(canvas, double.IsNaN(value) ? "-" : panel.Label(value), x + barWidth / 2, Y(value) - 3, small);
            }
            SkiaDrawing.DrawCentered(canvas, shifts[g].Name, x0 + GroupWidth / 2, top + PanelHeight + 18, text);
        }

        using var axis = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
        canvas.DrawLine(Left, top + PanelHeight, Left + plotWidth, top + PanelHeight, axis);
        canvas.DrawLine(Left, top, Left, top + PanelHeight, axis);
        var cleanValue = panel.Value(clean);
        using var line = CleanLine();
        canvas.DrawLine(Left, Y(cleanValue), Left + plotWidth, Y(cleanValue), line);
        using var cleanText = SkiaDrawing.Font(13);
        cleanText.Color = CleanColour;
        canvas.DrawText($"clean {panel.Label(cleanValue)}", Left + plotWidth + 6, Y(cleanValue) + 4, cleanText);
    }

    private static SKPaint CleanLine() => new()
    {
        Color = CleanColour, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true, PathEffect = SKPathEffect.CreateDash([8, 5], 0),
    };
}
