namespace Malaria.Training.Robustness;

/// <summary>
/// Stain and colour: another lab's Giemsa batch, staining time and white balance change the cells' colours. Hue
/// rotation, saturation scaling and stain-vector jitter, each on the cell's pixels only: the black mask stays black,
/// because the background family measures the mask on its own.
/// </summary>
public static class ColourShifts
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "stain and colour";

    /// <summary>Hue rotation in degrees per severity; the direction is drawn per image.</summary>
    public static readonly IReadOnlyList<double> HueDegrees = [8, 16, 30];

    /// <summary>Saturation factor per severity; per image either the factor or its inverse (more or less saturated).</summary>
    public static readonly IReadOnlyList<double> SaturationFactors = [1.25, 1.6, 2.0];

    /// <summary>Stain-jitter ranges per severity (see <see cref="StainJitterRange"/>).</summary>
    public static readonly IReadOnlyList<StainJitterRange> StainJitters = [new(0.05, 0.05), new(0.15, 0.10), new(0.30, 0.20)];

    /// <summary>
    /// How far each stain's concentration is moved: multiplied by 1 + u·<c>Scale</c> and shifted by
    /// v·<c>Offset</c> optical-density units, u and v uniform in [-1, 1] per image and stain (HED jitter).
    /// </summary>
    public sealed record StainJitterRange(double Scale, double Offset);

    /// <summary>Rotates the hue of the cell's pixels.</summary>
    public static ImageShift Hue { get; } = ImageShift.Create("hue", Family,
        "Rotates the hue (HSV) of the cell's pixels by the given angle, clockwise or anticlockwise at random per image.",
        HueDegrees, d => $"±{ParameterText.Number(d)}°", (image, degrees, context) => RotateHue(image, degrees * context.Random.NextSign()));

    /// <summary>Scales the saturation of the cell's pixels up or down.</summary>
    public static ImageShift Saturation { get; } = ImageShift.Create("saturation", Family,
        "Multiplies the saturation (HSV) of the cell's pixels by the factor or divides it by the factor, at random per image (a stronger or a paler stain).",
        SaturationFactors, f => $"x{ParameterText.Number(f)} or x1/{ParameterText.Number(f)}",
        (image, factor, context) => ScaleSaturation(image, context.Random.NextSign() > 0 ? factor : 1 / factor));

    /// <summary>Moves the two Giemsa stains' optical densities independently.</summary>
    public static ImageShift Stain { get; } = ImageShift.Create("stain", Family,
        "Separates the cell's optical density into the Giemsa stains (methylene blue and eosin vectors of Ruifrok and Johnston's colour deconvolution, "
        + "as ImageJ ships them) and scales and offsets each stain's concentration at random per image, as HED jitter does for H&E.",
        StainJitters, r => $"scale 1±{ParameterText.Number(r.Scale)}, offset ±{ParameterText.Number(r.Offset)} OD",
        (image, range, context) =>
        {
            var random = context.Random;
            double[] scales = [1 + random.NextSymmetric(range.Scale), 1 + random.NextSymmetric(range.Scale)];
            double[] offsets = [random.NextSymmetric(range.Offset), random.NextSymmetric(range.Offset)];
            return GiemsaStains.Jitter(image, scales, offsets);
        });

    /// <summary>The cell's pixels with their hue turned by <paramref name="degrees"/> (the mask unchanged).</summary>
    public static CellPixels RotateHue(CellPixels image, double degrees) =>
        MapHsv(image, (h, s, v) => ((h + degrees / 360.0 % 1.0 + 1.0) % 1.0, s, v));

    /// <summary>The cell's pixels with their saturation multiplied by <paramref name="factor"/>, capped at 1 (the mask unchanged).</summary>
    public static CellPixels ScaleSaturation(CellPixels image, double factor) =>
        MapHsv(image, (h, s, v) => (h, Math.Min(1.0, s * factor), v));

    /// <summary>Runs <paramref name="map"/> over every cell pixel in HSV (each component 0..1).</summary>
    private static CellPixels MapHsv(CellPixels image, Func<double, double, double, (double H, double S, double V)> map)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = (byte[])image.Bgra.Clone();
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (image.IsBackground(i)) continue;
            var o = 4 * i;
            var (h, s, v) = ToHsv(output[o + 2] / 255.0, output[o + 1] / 255.0, output[o] / 255.0);
            var (h2, s2, v2) = map(h, s, v);
            var (r, g, b) = FromHsv(h2, s2, v2);
            output[o] = PixelValue.Clamp(b * 255);
            output[o + 1] = PixelValue.Clamp(g * 255);
            output[o + 2] = PixelValue.Clamp(r * 255);
        }
        return new CellPixels(image.Width, image.Height, output);
    }

    private static (double H, double S, double V) ToHsv(double r, double g, double b)
    {
        var max = Math.Max(r, Math.Max(g, b));
        var min = Math.Min(r, Math.Min(g, b));
        var delta = max - min;
        var s = max == 0 ? 0 : delta / max;
        if (delta == 0) return (0, s, max);
        double h;
        if (max == r) h = (g - b) / delta;
        else if (max == g) h = 2 + (b - r) / delta;
        else h = 4 + (r - g) / delta;
        h /= 6;
        if (h < 0) h += 1;
        return (h, s, max);
    }

    private static (double R, double G, double B) FromHsv(double h, double s, double v)
    {
        var sector = h * 6;
        var i = (int)Math.Floor(sector) % 6;
        var f = sector - Math.Floor(sector);
        double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        return i switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

}
