using System.Globalization;
using SkiaSharp;

namespace Malaria.Training.Evaluation;

/// <summary>
/// <c>history.png</c>: a run's training curves from its <c>history.csv</c>: loss and accuracy per epoch, training
/// beside validation (when the run had a validation part), and the learning rate. Read from the CSV so any finished
/// or interrupted run can be drawn again.
/// </summary>
internal static class HistoryChart
{
    public const string FileName = "history.png";

    private sealed record Series(string Name, double[] Values, SKColor Colour, bool Dashed = false);

    /// <summary>Draws the curves of a history.csv (columns epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy, ..., learningRate).</summary>
    /// <exception cref="InvalidDataException">The file lacks a needed column or has no epoch.</exception>
    public static byte[] Draw(string historyCsv)
    {
        var lines = File.ReadAllLines(historyCsv).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2) throw new InvalidDataException($"'{historyCsv}' holds no epoch.");
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"'{historyCsv}' has no column '{name}'.");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        double[] Values(string name)
        {
            var c = Column(name);
            return [.. rows.Select(r => double.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)];
        }
        var epochs = Values("epoch");
        var train = new SKColor(0x1F, 0x4E, 0x96);
        var validation = new SKColor(0xC0, 0x30, 0x30);
        const int width = 1200, height = 420;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var title = PlotText.Font(16)) PlotText.Centered(canvas, $"Training history ({epochs.Length} epochs)", width / 2f, 26, title);
        Panel(canvas, SKRect.Create(60, 60, 320, 300), "loss", epochs,
            [new("train", Values("trainLoss"), train), new("validation", Values("validationLoss"), validation)]);
        Panel(canvas, SKRect.Create(460, 60, 320, 300), "accuracy", epochs,
            [new("train", Values("trainAccuracy"), train), new("validation", Values("validationAccuracy"), validation)]);
        Panel(canvas, SKRect.Create(860, 60, 320, 300), "learning rate", epochs, [new("learning rate", Values("learningRate"), SKColors.DimGray)]);
        return PlotText.Encode(surface);
    }

    private static void Panel(SKCanvas canvas, SKRect area, string title, double[] epochs, IReadOnlyList<Series> series)
    {
        using var text = PlotText.Font(12);
        using var axis = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f, IsAntialias = true };
        canvas.DrawRect(area, axis);
        PlotText.Centered(canvas, title, area.MidX, area.Top - 8, text);
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return;
        double low = finite.Min(), high = finite.Max();
        if (high - low < 1e-12) { low -= 0.5; high += 0.5; }
        var pad = (high - low) * 0.05;
        // Losses, accuracies and rates are never negative: no axis below 0.
        (low, high) = (low >= 0 ? Math.Max(0, low - pad) : low - pad, high + pad);
        double first = epochs.Min(), last = Math.Max(epochs.Max(), first + 1);
        SKPoint At(double epoch, double v) => new(area.Left + (float)((epoch - first) / (last - first)) * area.Width, area.Bottom - (float)((v - low) / (high - low)) * area.Height);
        var format = high < 0.01 ? "0.0e0" : "0.###";
        for (var i = 0; i <= 4; i++)
        {
            var v = low + (high - low) * i / 4;
            canvas.DrawText(v.ToString(format, CultureInfo.InvariantCulture), area.Left - 52, At(first, v).Y + 4, text);
        }
        foreach (var e in new[] { first, (first + last) / 2, last })
            PlotText.Centered(canvas, e.ToString("0", CultureInfo.InvariantCulture), At(e, low).X, area.Bottom + 16, text);
        PlotText.Centered(canvas, "epoch", area.MidX, area.Bottom + 32, text);
        var legendY = area.Top + 16;
        foreach (var s in series)
        {
            if (!s.Values.Any(double.IsFinite)) continue;  // no validation part: no validation curve
            using var line = new SKPaint { Color = s.Colour, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
            using var dot = new SKPaint { Color = s.Colour, Style = SKPaintStyle.Fill, IsAntialias = true };
            using var path = new SKPath();
            var started = false;
            for (var i = 0; i < s.Values.Length; i++)
            {
                if (!double.IsFinite(s.Values[i])) { started = false; continue; }
                var p = At(epochs[i], s.Values[i]);
                if (started) path.LineTo(p); else path.MoveTo(p);
                started = true;
                if (s.Values.Length <= 60) canvas.DrawCircle(p, 2, dot);
            }
            canvas.DrawPath(path, line);
            if (series.Count > 1)
            {
                canvas.DrawLine(area.Right - 110, legendY - 4, area.Right - 90, legendY - 4, line);
                canvas.DrawText(s.Name, area.Right - 85, legendY, text);
                legendY += 16;
            }
        }
    }
}
