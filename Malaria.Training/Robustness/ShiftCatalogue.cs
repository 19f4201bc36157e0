namespace Malaria.Training.Robustness;

/// <summary>Every shift the benchmark runs, in report order (family by family).</summary>
public static class ShiftCatalogue
{
    /// <summary>The shifts: stain and colour, brightness and contrast, defocus, noise, JPEG, scale and resolution, background, position.</summary>
    public static IReadOnlyList<ImageShift> All { get; } =
    [
        ColourShifts.Hue, ColourShifts.Saturation, ColourShifts.Stain,
        IntensityShifts.Brightness, IntensityShifts.Contrast, IntensityShifts.Gamma,
        DefocusShift.Defocus,
        SensorNoiseShift.Noise,
        JpegShift.Jpeg,
        ScaleShifts.CellSize, ScaleShifts.LowResolution,
        BackgroundShifts.Plasma, BackgroundShifts.Context,
        OffCentreShift.OffCentre,
    ];

    /// <summary>The families in report order.</summary>
    public static IReadOnlyList<string> Families => All.Select(s => s.Family).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The shift called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No shift has that name; the message lists the names.</exception>
    public static ImageShift Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"No shift is called '{name}'; the shifts are {string.Join(", ", All.Select(s => s.Name))}.", nameof(name));
}
