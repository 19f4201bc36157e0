namespace Malaria.Training.Robustness;

/// <summary>
/// Brightness, contrast and gamma: another lamp, exposure or camera response. Each acts on the cell's pixels only (the
/// black mask stays black) and in one fixed direction: brighter, flatter, darker mid-tones.
/// </summary>
public static class IntensityShifts
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "brightness and contrast";

    /// <summary>Added to R, G and B (0..255) per severity.</summary>
    public static readonly IReadOnlyList<int> BrightnessOffsets = [15, 30, 50];

    /// <summary>Distance from the cell's mean colour multiplied by this per severity.</summary>
    public static readonly IReadOnlyList<double> ContrastFactors = [0.8, 0.6, 0.4];

    /// <summary>Exponent of the gamma curve I' = 255·(I/255)^γ per severity; above 1 darkens the mid-tones.</summary>
    public static readonly IReadOnlyList<double> Gammas = [1.25, 1.6, 2.0];

    /// <summary>Brightens the cell.</summary>
    public static ImageShift Brightness { get; } = ImageShift.Create("brightness", Family,
        "Adds a constant to R, G and B of the cell's pixels (a brighter lamp or longer exposure).",
        BrightnessOffsets, d => $"+{d} of 255", (image, offset, _) => Brighten(image, offset));

    /// <summary>Flattens the cell's contrast.</summary>
    public static ImageShift Contrast { get; } = ImageShift.Create("contrast", Family,
        "Pulls each channel of the cell's pixels toward the cell's mean of that channel (lower contrast, a washed-out image).",
        ContrastFactors, f => $"x{ParameterText.Number(f)} around the mean", (image, factor, _) => ScaleContrast(image, factor));

    /// <summary>Darkens the cell's mid-tones.</summary>
    public static ImageShift Gamma { get; } = ImageShift.Create("gamma", Family,
        "Applies a gamma curve to the cell's pixels, darkening the mid-tones and keeping black and white (another camera response).",
        Gammas, g => $"γ {ParameterText.Number(g)}", (image, gamma, _) => ApplyGamma(image, gamma));

    /// <summary>The cell's pixels plus <paramref name="offset"/> in each channel, clamped to 0..255.</summary>
    public static CellPixels Brighten(CellPixels image, int offset) => MapCell(image, (v, _) => v + offset);

    /// <summary>The cell's pixels moved toward (factor below 1) or away from the cell's per-channel mean.</summary>
    public static CellPixels ScaleContrast(CellPixels image, double factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        var mean = new double[3];
        var count = 0;
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (image.IsBackground(i)) continue;
            for (var c = 0; c < 3; c++) mean[c] += image.Bgra[4 * i + c];
            count++;
        }
        if (count == 0) return image;
        for (var c = 0; c < 3; c++) mean[c] /= count;
        return MapCell(image, (v, channel) => mean[channel] + factor * (v - mean[channel]));
    }

    /// <summary>The cell's pixels through I' = 255·(I/255)^<paramref name="gamma"/>.</summary>
    public static CellPixels ApplyGamma(CellPixels image, double gamma) => MapCell(image, (v, _) => 255 * Math.Pow(v / 255.0, gamma));

    /// <summary>Maps each of B, G, R (channel 0, 1, 2) of every cell pixel; the result is rounded and clamped.</summary>
    private static CellPixels MapCell(CellPixels image, Func<double, int, double> map)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = (byte[])image.Bgra.Clone();
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (image.IsBackground(i)) continue;
            for (var c = 0; c < 3; c++) output[4 * i + c] = PixelValue.Clamp(map(output[4 * i + c], c));
        }
        return new CellPixels(image.Width, image.Height, output);
    }
}
