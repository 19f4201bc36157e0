namespace Malaria.Training.Robustness;

/// <summary>
/// Defocus: a Gaussian blur of the whole crop (the mask's edge blurs too, as the optics would blur it), with the
/// radius growing with severity. The radius is in pixels of the crop as stored; NIH cells are about 130 pixels across
/// and the model sees them at 64.
/// </summary>
public static class DefocusShift
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "defocus";

    /// <summary>Standard deviation of the Gaussian in pixels per severity.</summary>
    public static readonly IReadOnlyList<double> Sigmas = [1.0, 2.0, 3.5];

    /// <summary>The shift.</summary>
    public static ImageShift Defocus { get; } = ImageShift.Create("defocus", Family,
        "Blurs the whole crop with a Gaussian of the given standard deviation (kernel cut at 3 sigma, edges clamped).",
        Sigmas, s => $"σ {ParameterText.Number(s)} px", (image, sigma, _) => Blur(image, sigma));

    /// <summary>A separable Gaussian blur; a sigma of 0 returns the image unchanged.</summary>
    public static CellPixels Blur(CellPixels image, double sigma)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (sigma <= 0) return image;
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        for (var k = -radius; k <= radius; k++) kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        var sum = kernel.Sum();
        for (var k = 0; k < kernel.Length; k++) kernel[k] /= sum;

        int w = image.Width, h = image.Height;
        var rows = new double[w * h * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++)
                {
                    var total = 0.0;
                    for (var k = -radius; k <= radius; k++)
                        total += kernel[k + radius] * image.Bgra[4 * (y * w + Math.Clamp(x + k, 0, w - 1)) + c];
                    rows[3 * (y * w + x) + c] = total;
                }
        var output = (byte[])image.Bgra.Clone();
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++)
                {
                    var total = 0.0;
                    for (var k = -radius; k <= radius; k++)
                        total += kernel[k + radius] * rows[3 * (Math.Clamp(y + k, 0, h - 1) * w + x) + c];
                    output[4 * (y * w + x) + c] = PixelValue.Clamp(total);
                }
        return new CellPixels(w, h, output);
    }
}
