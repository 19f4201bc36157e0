namespace Malaria.Training.Robustness;

/// <summary>
/// Sensor noise: a read-noise floor plus shot noise whose variance grows with the intensity, independent per pixel and
/// channel, on the cell's pixels (the mask stays black, as the NIH masking was applied after the camera).
/// </summary>
public static class SensorNoiseShift
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "sensor noise";

    /// <summary>Per severity: noise standard deviation sqrt(<c>ReadSigma</c>² + <c>ShotGain</c>·I), I in 0..255.</summary>
    public sealed record NoiseLevel(double ReadSigma, double ShotGain);

    /// <summary>Noise level per severity.</summary>
    public static readonly IReadOnlyList<NoiseLevel> Levels = [new(3, 0.05), new(6, 0.15), new(12, 0.4)];

    /// <summary>The shift.</summary>
    public static ImageShift Noise { get; } = ImageShift.Create("noise", Family,
        "Adds Gaussian noise to every channel of the cell's pixels with variance read² + gain·I (read noise plus intensity-dependent shot noise).",
        Levels, l => $"σ² = {ParameterText.Number(l.ReadSigma)}² + {ParameterText.Number(l.ShotGain)}·I",
        (image, level, context) => AddNoise(image, level, context.Random));

    /// <summary>The cell's pixels plus noise drawn from <paramref name="random"/>.</summary>
    public static CellPixels AddNoise(CellPixels image, NoiseLevel level, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(level);
        ArgumentNullException.ThrowIfNull(random);
        var output = (byte[])image.Bgra.Clone();
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (image.IsBackground(i)) continue;
            for (var c = 0; c < 3; c++)
            {
                var v = (double)output[4 * i + c];
                var sigma = Math.Sqrt(level.ReadSigma * level.ReadSigma + level.ShotGain * v);
                output[4 * i + c] = PixelValue.Clamp(v + sigma * random.NextGaussian());
            }
        }
        return new CellPixels(image.Width, image.Height, output);
    }
}
