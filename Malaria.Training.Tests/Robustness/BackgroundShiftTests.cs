using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>Plasma and context: no pure-black background left, the cell's own pixels never touched, the image never its own neighbour.</summary>
public class BackgroundShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();
    private static readonly List<int> CellPixelIndices = SyntheticCells.CellIndices(Cell).ToList();
    private static readonly List<int> Mask = Enumerable.Range(0, Cell.PixelCount).Where(Cell.IsBackground).ToList();

    private static bool CellIntact(CellPixels shifted) =>
        CellPixelIndices.All(i => shifted.Bgra.AsSpan(4 * i, 4).SequenceEqual(Cell.Bgra.AsSpan(4 * i, 4)));

    [Test]
    public void NoPlasmaLeavesTheImageUnchanged() =>
        Assert.That(BackgroundShifts.FillBackground(Cell, 0, new Random(1)), Is.SameAs(Cell));

    [TestCase("plasma", 1)]
    [TestCase("plasma", 2)]
    [TestCase("plasma", 3)]
    [TestCase("context", 1)]
    [TestCase("context", 2)]
    [TestCase("context", 3)]
    public void LeavesNoPureBlackPixelAndTheCellIntact(string name, int severity)
    {
        var shifted = ShiftCatalogue.Find(name).Apply(Cell, severity, new ShiftContext(new Random(9), SyntheticCells.Neighbours()));
        Assert.That(Enumerable.Range(0, shifted.PixelCount).Count(shifted.IsBackground), Is.Zero);
        Assert.That(CellIntact(shifted));
    }

    [Test]
    public void PlasmaBrightensTheBackgroundTowardThePlasmaColourWithSeverity()
    {
        var means = Enumerable.Range(1, 3).Select(s => SyntheticCells.Mean(BackgroundShifts.Plasma.Apply(Cell, s, ShiftContext.Seeded(4)), Mask, 2)).ToList();
        Assert.That(means, Is.Ordered.Ascending.And.Unique);
        Assert.That(means[2], Is.EqualTo((double)BackgroundShifts.PlasmaColour.R).Within(1.5), "severity 3 is the full colour");
    }

    [Test]
    public void ContextPaintsMoreOfTheMaskWithNeighboursAtEachSeverity()
    {
        int NeighbourPixels(int severity)
        {
            // The same generator gives the same plasma, so the pixels that differ from plasma alone are the neighbours'.
            var plasma = BackgroundShifts.FillBackground(Cell, 1.0, new Random(9));
            var context = BackgroundShifts.Surround(Cell, BackgroundShifts.Crowdings[severity - 1], new ShiftContext(new Random(9), SyntheticCells.Neighbours()));
            return Mask.Count(i => !context.Bgra.AsSpan(4 * i, 4).SequenceEqual(plasma.Bgra.AsSpan(4 * i, 4)));
        }
        var counts = Enumerable.Range(1, 3).Select(NeighbourPixels).ToList();
        Assert.That(counts, Is.Ordered.Ascending.And.Unique);
        Assert.That(counts[0], Is.GreaterThan(0));
    }

    [Test]
    public void TheCellIsNeverItsOwnNeighbour()
    {
        var alone = BackgroundShifts.Surround(Cell, BackgroundShifts.Crowdings[2], new ShiftContext(new Random(9), [Cell]));
        Assert.That(alone.Bgra, Is.EqualTo(BackgroundShifts.FillBackground(Cell, 1.0, new Random(9)).Bgra), "with only itself to borrow from, the context is plasma");
    }
}
