using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>The few drawing helpers the robustness pictures share (the same look as <see cref="Evaluation.Plots"/>).</summary>
internal static class SkiaDrawing
{
    /// <summary>DejaVu Sans (or the default typeface) in black at <paramref name="size"/> pixels.</summary>
    public static SKPaint Font(float size, bool bold = false) => new()
    {
        Color = SKColors.Black, IsAntialias = true, TextSize = size,
        Typeface = SKTypeface.FromFamilyName("DejaVu Sans", bold ? SKFontStyle.Bold : SKFontStyle.Normal) ?? SKTypeface.Default,
    };

    /// <summary>Draws <paramref name="text"/> centred on <paramref name="x"/> with its baseline at <paramref name="y"/>.</summary>
    public static void DrawCentered(SKCanvas canvas, string text, float x, float y, SKPaint paint) =>
        canvas.DrawText(text, x - paint.MeasureText(text) / 2, y, paint);

    /// <summary>The surface as PNG bytes.</summary>
    public static byte[] EncodePng(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
