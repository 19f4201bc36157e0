using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>The cell-size and low-resolution shifts: the cell's box at the stated fraction, detail lost below the stated side.</summary>
public class ScaleShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();

    [Test]
    public void NeutralParametersLeaveTheImageUnchanged()
    {
        Assert.That(ScaleShifts.Shrink(Cell, 1), Is.SameAs(Cell));
        Assert.That(ScaleShifts.Reduce(Cell, 120), Is.SameAs(Cell), "a crop already that small is left alone");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void CellSizeLeavesTheCellsBoxAtTheStatedFractionOfTheCropCentred(int severity)
    {
        var fraction = ScaleShifts.CellFractions[severity - 1];
        Assert.That(SyntheticCells.BoundingBox(Cell), Is.EqualTo((0, 0, Cell.Width, Cell.Height)), "the stand-in fills its crop, as NIH cells do");

        var shrunk = ScaleShifts.CellSize.Apply(Cell, severity, ShiftContext.Seeded(1));
        var box = SyntheticCells.BoundingBox(shrunk);

        Assert.That((shrunk.Width, shrunk.Height), Is.EqualTo((Cell.Width, Cell.Height)));
        Assert.That(box.Width, Is.EqualTo(fraction * Cell.Width).Within(2));
        Assert.That(box.Height, Is.EqualTo(fraction * Cell.Height).Within(2));
        Assert.That(box.Left + box.Width / 2.0, Is.EqualTo(Cell.Width / 2.0).Within(1.5), "centred");
        Assert.That(box.Top + box.Height / 2.0, Is.EqualTo(Cell.Height / 2.0).Within(1.5), "centred");
    }

    [Test]
    public void LowResolutionLosesMoreDetailAtEachSeverity()
    {
        var energies = Enumerable.Range(0, 4).Select(s => SyntheticCells.HighFrequencyEnergy(ScaleShifts.LowResolution.Apply(Cell, s, ShiftContext.Seeded(1)))).ToList();
        Assert.That(energies, Is.Ordered.Descending.And.Unique);
    }

    [Test]
    public void ABadFractionIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleShifts.Shrink(Cell, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleShifts.Shrink(Cell, 1.5));
    }
}
