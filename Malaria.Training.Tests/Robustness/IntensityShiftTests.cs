using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>Brightness, contrast and gamma: identity at neutral parameters and the documented direction at every severity.</summary>
public class IntensityShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();
    private static readonly List<int> CellPixelIndices = SyntheticCells.CellIndices(Cell).ToList();

    private static double StandardDeviation(CellPixels image, int channel)
    {
        var mean = SyntheticCells.Mean(image, CellPixelIndices, channel);
        return Math.Sqrt(CellPixelIndices.Average(i => Math.Pow(image.Bgra[4 * i + channel] - mean, 2)));
    }

    [Test]
    public void NeutralParametersLeaveTheImageUnchanged()
    {
        Assert.That(IntensityShifts.Brighten(Cell, 0).Bgra, Is.EqualTo(Cell.Bgra));
        Assert.That(IntensityShifts.ScaleContrast(Cell, 1).Bgra, Is.EqualTo(Cell.Bgra));
        Assert.That(IntensityShifts.ApplyGamma(Cell, 1).Bgra, Is.EqualTo(Cell.Bgra));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void BrightnessRaisesTheCellsMeanByItsOffsetAndKeepsTheMaskBlack(int severity)
    {
        var offset = IntensityShifts.BrightnessOffsets[severity - 1];
        var shifted = IntensityShifts.Brightness.Apply(Cell, severity, ShiftContext.Seeded(1));
        // Up to the offset: channels near 255 clip.
        Assert.That(SyntheticCells.MeanIntensity(shifted, CellPixelIndices) - SyntheticCells.MeanIntensity(Cell, CellPixelIndices), Is.InRange(offset * 0.8, offset));
        Assert.That(Enumerable.Range(0, Cell.PixelCount).Where(Cell.IsBackground).All(shifted.IsBackground));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ContrastScalesTheCellsSpreadByItsFactor(int severity)
    {
        var factor = IntensityShifts.ContrastFactors[severity - 1];
        var shifted = IntensityShifts.Contrast.Apply(Cell, severity, ShiftContext.Seeded(1));
        for (var c = 0; c < 3; c++)
        {
            Assert.That(StandardDeviation(shifted, c), Is.EqualTo(factor * StandardDeviation(Cell, c)).Within(0.6), $"channel {c}");
            Assert.That(SyntheticCells.Mean(shifted, CellPixelIndices, c), Is.EqualTo(SyntheticCells.Mean(Cell, CellPixelIndices, c)).Within(0.5), "the mean stays");
        }
    }

    [Test]
    public void GammaDarkensTheMidTonesMoreAtEachSeverity()
    {
        var means = Enumerable.Range(0, 4).Select(s => SyntheticCells.MeanIntensity(IntensityShifts.Gamma.Apply(Cell, s, ShiftContext.Seeded(1)), CellPixelIndices)).ToList();
        Assert.That(means, Is.Ordered.Descending.And.Unique);
    }
}
