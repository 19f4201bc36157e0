namespace Malaria.Training.Robustness;

/// <summary>Turns a computed channel value back into a byte.</summary>
internal static class PixelValue
{
    /// <summary>Rounded to the nearest integer and clamped to 0..255.</summary>
    public static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
