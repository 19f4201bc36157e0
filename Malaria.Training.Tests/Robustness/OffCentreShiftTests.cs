using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>The off-centre shift: a plain translation by the stated fraction of the crop, black where the cell left.</summary>
public class OffCentreShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();

    [Test]
    public void NoMoveLeavesTheImageUnchanged() => Assert.That(OffCentreShift.Translate(Cell, 0, 0), Is.SameAs(Cell));

    [TestCase(7, -5)]
    [TestCase(-12, 3)]
    public void TranslateMovesEveryPixelAndFillsTheVacatedAreaBlack(int dx, int dy)
    {
        var moved = OffCentreShift.Translate(Cell, dx, dy);
        for (var y = 0; y < Cell.Height; y++)
            for (var x = 0; x < Cell.Width; x++)
            {
                int fromX = x - dx, fromY = y - dy;
                var inside = fromX >= 0 && fromX < Cell.Width && fromY >= 0 && fromY < Cell.Height;
                var expected = inside ? Cell.Bgra.AsSpan(4 * (fromY * Cell.Width + fromX), 4).ToArray() : new byte[] { 0, 0, 0, 255 };
                Assert.That(moved.Bgra.AsSpan(4 * (y * Cell.Width + x), 4).ToArray(), Is.EqualTo(expected), $"pixel ({x}, {y})");
            }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void MovesTheCellByTheStatedFractionOfItsSize(int severity)
    {
        var fraction = OffCentreShift.Fractions[severity - 1];
        var moved = OffCentreShift.OffCentre.Apply(Cell, severity, ShiftContext.Seeded(severity));
        var box = SyntheticCells.BoundingBox(moved);
        // The stand-in fills its crop, so the part cut off is exactly the move.
        double dx = (Cell.Width - box.Width) / (double)Cell.Width, dy = (Cell.Height - box.Height) / (double)Cell.Height;
        Assert.That(Math.Sqrt(dx * dx + dy * dy), Is.EqualTo(fraction).Within(0.03));
    }
}
