namespace Malaria.Training.Robustness;

/// <summary>What a shift may use besides the image: its own seeded generator and the cells it may place around it.</summary>
/// <param name="Random">The generator of this (image, shift, severity); see <see cref="ShiftRandom.For"/>.</param>
/// <param name="Neighbours">Cells of the same set that the context shift places around the image; the image itself is skipped if it is among them.</param>
public sealed record ShiftContext(Random Random, IReadOnlyList<CellPixels> Neighbours)
{
    /// <summary>A context with a generator and no neighbours, for shifts that need none (and tests).</summary>
    public static ShiftContext Seeded(int seed) => new(new Random(seed), []);
}
