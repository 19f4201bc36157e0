namespace Malaria.Inference.Explainability;

/// <summary>
/// Maps 0..1 to colour. Viridis is perceptually uniform and readable by colour-blind viewers, unlike the rainbow "jet"
/// map common in Grad-CAM demos, whose bright bands suggest edges that are not in the data.
/// </summary>
public static class Colormap
{
    // Viridis at 0, 0.1, ..., 1.0 (matplotlib's values); linear interpolation between stops is within a few levels.
    private static readonly (byte R, byte G, byte B)[] ViridisStops =
    [
        (68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142), (33, 145, 140),
        (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38), (253, 231, 37),
    ];

    /// <summary>The viridis colour of <paramref name="value"/> (clamped to 0..1).</summary>
    public static (byte R, byte G, byte B) Viridis(float value)
    {
        var v = float.IsNaN(value) ? 0 : Math.Clamp(value, 0, 1) * (ViridisStops.Length - 1);
        var i = Math.Min((int)v, ViridisStops.Length - 2);
        var t = v - i;
        var (a, b) = (ViridisStops[i], ViridisStops[i + 1]);
        return ((byte)MathF.Round(a.R + (b.R - a.R) * t), (byte)MathF.Round(a.G + (b.G - a.G) * t), (byte)MathF.Round(a.B + (b.B - a.B) * t));
    }
}
