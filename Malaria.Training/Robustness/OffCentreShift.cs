namespace Malaria.Training.Robustness;

/// <summary>
/// Off-centre crops: a detector's box that misses the cell's centre. The cell moves by a growing fraction of the crop's
/// size in a random direction; what leaves the crop is cut off and the vacated area is black, like the NIH mask, so
/// this shift measures position alone.
/// </summary>
public static class OffCentreShift
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "position";

    /// <summary>Distance moved as a fraction of the crop's width (horizontally) and height (vertically), per severity.</summary>
    public static readonly IReadOnlyList<double> Fractions = [0.1, 0.2, 0.3];

    /// <summary>The shift.</summary>
    public static ImageShift OffCentre { get; } = ImageShift.Create("off-centre", Family,
        "Moves the cell in a random direction by the given fraction of the crop's size; the part moved out is cut off, the vacated area is black.",
        Fractions, f => $"moved {ParameterText.Percent(f)} of its size", (image, fraction, context) =>
        {
            var angle = context.Random.NextDouble() * 2 * Math.PI;
            return Translate(image, (int)Math.Round(fraction * image.Width * Math.Cos(angle)), (int)Math.Round(fraction * image.Height * Math.Sin(angle)));
        });

    /// <summary>The image moved right by <paramref name="dx"/> and down by <paramref name="dy"/> pixels, black where nothing moved in.</summary>
    public static CellPixels Translate(CellPixels image, int dx, int dy)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (dx == 0 && dy == 0) return image;
        var output = CellPixels.Black(image.Width, image.Height);
        for (var y = 0; y < image.Height; y++)
        {
            var fromY = y - dy;
            if (fromY < 0 || fromY >= image.Height) continue;
            for (var x = 0; x < image.Width; x++)
            {
                var fromX = x - dx;
                if (fromX < 0 || fromX >= image.Width) continue;
                Array.Copy(image.Bgra, 4 * (fromY * image.Width + fromX), output.Bgra, 4 * (y * image.Width + x), 4);
            }
        }
        return output;
    }
}
