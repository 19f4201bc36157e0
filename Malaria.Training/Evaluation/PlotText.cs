using SkiaSharp;

namespace Malaria.Training.Evaluation;

/// <summary>Text and encoding helpers shared by the evaluation pictures.</summary>
internal static class PlotText
{
    public static SKPaint Font(float size) => new()
    {
        Color = SKColors.Black, IsAntialias = true, TextSize = size,
        Typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default,
    };

    public static void Centered(SKCanvas canvas, string text, float x, float y, SKPaint paint) =>
        canvas.DrawText(text, x - paint.MeasureText(text) / 2, y, paint);

    public static byte[] Encode(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
