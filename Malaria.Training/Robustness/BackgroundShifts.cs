namespace Malaria.Training.Robustness;

/// <summary>
/// Background: the NIH crops mask everything outside the cell to black, but a bounding-box crop from another lab keeps
/// the plasma and pieces of the neighbouring cells. The plasma shift fills the mask with a plasma colour; the context
/// shift also places other cells of the set around the cell. Neither changes a pixel of the cell itself.
/// </summary>
public static class BackgroundShifts
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "background";

    /// <summary>
    /// The plasma colour (R, G, B): the pale pinkish beige between the cells of a thin Giemsa smear, fixed up front and
    /// not measured on the data.
    /// </summary>
    public static readonly (byte R, byte G, byte B) PlasmaColour = (228, 210, 204);

    /// <summary>Standard deviation of the plasma's grain (0..255), the same for R, G and B of a pixel.</summary>
    public const double PlasmaGrain = 4;

    /// <summary>Share of the plasma colour over black in the mask per severity (1: the full colour).</summary>
    public static readonly IReadOnlyList<double> PlasmaStrengths = [0.35, 0.7, 1.0];

    /// <summary>Per severity: how many neighbours, and their centres' distance as a share of the distance at which they would just touch the cell.</summary>
    public sealed record Crowding(int Neighbours, double Distance);

    /// <summary>Crowding per severity.</summary>
    public static readonly IReadOnlyList<Crowding> Crowdings = [new(3, 1.0), new(5, 0.85), new(8, 0.7)];

    /// <summary>Fills the mask with plasma.</summary>
    public static ImageShift Plasma { get; } = ImageShift.Create("plasma", Family,
        $"Fills the black mask with the plasma colour RGB {PlasmaColour} with grain σ {ParameterText.Number(PlasmaGrain)}, blended over black at the given strength.",
        PlasmaStrengths, s => $"{ParameterText.Percent(s)} plasma", (image, strength, context) => FillBackground(image, strength, context.Random));

    /// <summary>Fills the mask with plasma and neighbouring cells.</summary>
    public static ImageShift Context { get; } = ImageShift.Create("context", Family,
        "Fills the black mask with full plasma, then places uninfected cells of the same set around the cell, evenly spaced in angle "
        + "with a random turn, at the given share of the touching distance; only mask pixels are painted, so the cell stays intact.",
        Crowdings, c => $"{c.Neighbours} neighbours at {ParameterText.Percent(c.Distance)} of touching", (image, crowding, context) => Surround(image, crowding, context));

    /// <summary>
    /// The mask replaced by plasma of <paramref name="strength"/> (0 returns the image unchanged) and grain drawn from
    /// <paramref name="random"/>; no mask pixel stays pure black at any strength above 0.
    /// </summary>
    public static CellPixels FillBackground(CellPixels image, double strength, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        if (strength <= 0) return image;
        var output = (byte[])image.Bgra.Clone();
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (!image.IsBackground(i)) continue;
            var grain = PlasmaGrain * random.NextGaussian();
            // At least 1, so a filled pixel is never mistaken for mask again.
            output[4 * i] = Math.Max((byte)1, PixelValue.Clamp(strength * (PlasmaColour.B + grain)));
            output[4 * i + 1] = Math.Max((byte)1, PixelValue.Clamp(strength * (PlasmaColour.G + grain)));
            output[4 * i + 2] = Math.Max((byte)1, PixelValue.Clamp(strength * (PlasmaColour.R + grain)));
        }
        return new CellPixels(image.Width, image.Height, output);
    }

    /// <summary>
    /// Full plasma, then <see cref="Crowding.Neighbours"/> cells from <see cref="ShiftContext.Neighbours"/> (never the
    /// image itself) painted into the mask around the cell, later ones over earlier ones.
    /// </summary>
    public static CellPixels Surround(CellPixels image, Crowding crowding, ShiftContext context)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(crowding);
        ArgumentNullException.ThrowIfNull(context);
        var random = context.Random;
        var filled = FillBackground(image, 1.0, random);
        var pool = context.Neighbours.Where(n => !ReferenceEquals(n, image)).ToList();
        if (pool.Count == 0 || crowding.Neighbours == 0) return filled;
        var output = filled.Bgra;
        var turn = random.NextDouble() * 2 * Math.PI;
        var slot = 2 * Math.PI / crowding.Neighbours;
        for (var k = 0; k < crowding.Neighbours; k++)
        {
            var neighbour = pool[random.Next(pool.Count)];
            var angle = turn + k * slot + random.NextSymmetric(slot / 4);
            // Cells are round: half the shorter side is each one's radius, and touching cells' centres are the sum apart.
            var distance = crowding.Distance * (Math.Min(image.Width, image.Height) + Math.Min(neighbour.Width, neighbour.Height)) / 2.0;
            var left = (int)Math.Round(image.Width / 2.0 + distance * Math.Cos(angle) - neighbour.Width / 2.0);
            var top = (int)Math.Round(image.Height / 2.0 + distance * Math.Sin(angle) - neighbour.Height / 2.0);
            for (var y = Math.Max(0, -top); y < neighbour.Height && top + y < image.Height; y++)
                for (var x = Math.Max(0, -left); x < neighbour.Width && left + x < image.Width; x++)
                {
                    var from = y * neighbour.Width + x;
                    var to = (top + y) * image.Width + left + x;
                    if (neighbour.IsBackground(from) || !image.IsBackground(to)) continue;
                    Array.Copy(neighbour.Bgra, 4 * from, output, 4 * to, 4);
                }
        }
        return filled;
    }
}
