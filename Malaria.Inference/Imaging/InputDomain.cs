using Microsoft.ML.Data;

namespace Malaria.Inference.Imaging;

/// <summary>Checks a decoded input against the training crops' domain (see <see cref="InputWarnings"/>), from its edge and size only.</summary>
public static class InputDomain
{
    /// <summary>Shortest side accepted without <see cref="InputWarnings.UnusualSize"/>; the training crops' smallest is 46.</summary>
    public const int MinSide = 40;

    /// <summary>Longest side accepted without <see cref="InputWarnings.UnusualSize"/>; the training crops' largest is 394.</summary>
    public const int MaxSide = 400;

    /// <summary>
    /// Share of the outer ring that must be near-black for a crop to count as masked. Every one of the 14,570 training
    /// crops has more than half of its ring black (the cell touches the edge in places), so a crop below it is not
    /// masked the way the models expect.
    /// </summary>
    public const double MinMaskedBorderShare = 0.5;

    /// <summary>A channel value at or below this is near-black (the mask is 0; compression adds a little).</summary>
    public const byte NearBlack = 20;

    /// <summary>The warnings that apply to <paramref name="image"/>.</summary>
    public static InputWarnings Assess(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var warnings = InputWarnings.None;
        if (Math.Min(image.Width, image.Height) < MinSide || Math.Max(image.Width, image.Height) > MaxSide) warnings |= InputWarnings.UnusualSize;
        if (MaskedBorderShare(image) < MinMaskedBorderShare) warnings |= InputWarnings.NoMaskedBackground;
        else if (CropFraming.IsLoose(image)) warnings |= InputWarnings.LooseCrop;
        return warnings;
    }

    /// <summary>The share of the outer two-pixel ring whose three colour channels are all near-black.</summary>
    public static double MaskedBorderShare(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pixels = image.Pixels;
        var ring = OuterRing.Indices(image.Width, image.Height);
        var black = 0;
        foreach (var i in ring)
            if (IsNearBlack(pixels, i)) black++;
        return ring.Count == 0 ? 0 : black / (double)ring.Count;
    }

    /// <summary>Whether the pixel at <paramref name="index"/> (of 4-byte pixels) has all three colour channels near-black.</summary>
    internal static bool IsNearBlack(ReadOnlySpan<byte> pixels, int index)
    {
        var o = index * 4;
        return pixels[o] <= NearBlack && pixels[o + 1] <= NearBlack && pixels[o + 2] <= NearBlack;
    }
}
