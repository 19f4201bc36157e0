using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>Hue, saturation and stain jitter: identity at neutral parameters, the documented direction otherwise, the mask left black.</summary>
public class ColourShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();

    private static (double H, double S) HueAndSaturation(byte b, byte g, byte r)
    {
        double max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b)), delta = max - min;
        double h = delta == 0 ? 0 : max == r ? (g - b) / delta : max == g ? 2 + (b - r) / delta : 4 + (r - g) / delta;
        return ((h * 60 + 360) % 360, max == 0 ? 0 : delta / max);
    }

    private static double MeanSaturation(CellPixels image) =>
        SyntheticCells.CellIndices(Cell).Average(i => HueAndSaturation(image.Bgra[4 * i], image.Bgra[4 * i + 1], image.Bgra[4 * i + 2]).S);

    [Test]
    public void NeutralParametersLeaveTheImageUnchanged()
    {
        Assert.That(ColourShifts.RotateHue(Cell, 0).Bgra, Is.EqualTo(Cell.Bgra));
        Assert.That(ColourShifts.ScaleSaturation(Cell, 1).Bgra, Is.EqualTo(Cell.Bgra));
        Assert.That(GiemsaStains.Jitter(Cell, [1, 1], [0, 0]).Bgra, Is.EqualTo(Cell.Bgra));
    }

    [TestCase(16)]
    [TestCase(-30)]
    public void HueRotationTurnsEveryCellPixelsHueByTheAngle(double degrees)
    {
        var rotated = ColourShifts.RotateHue(Cell, degrees);
        foreach (var i in SyntheticCells.CellIndices(Cell).Where(i => i % 37 == 0))
        {
            var (before, s) = HueAndSaturation(Cell.Bgra[4 * i], Cell.Bgra[4 * i + 1], Cell.Bgra[4 * i + 2]);
            if (s < 0.2) continue;  // hue is ill-defined, and rounding-sensitive, on near-grey pixels
            var (after, _) = HueAndSaturation(rotated.Bgra[4 * i], rotated.Bgra[4 * i + 1], rotated.Bgra[4 * i + 2]);
            var turned = ((after - before) % 360 + 540) % 360 - 180;
            Assert.That(turned, Is.EqualTo(degrees).Within(3), $"pixel {i}");
        }
    }

    [Test]
    public void SaturationFactorsAboveOneRaiseItAndBelowOneLowerIt()
    {
        var clean = MeanSaturation(Cell);
        Assert.That(MeanSaturation(ColourShifts.ScaleSaturation(Cell, 1.6)), Is.GreaterThan(clean * 1.3));
        Assert.That(MeanSaturation(ColourShifts.ScaleSaturation(Cell, 1 / 1.6)), Is.LessThan(clean * 0.7));
    }

    [Test]
    public void MoreMethyleneBlueDarkensRedMostAndMoreEosinDarkensGreenMost()
    {
        var cells = SyntheticCells.CellIndices(Cell).ToList();
        double Drop(CellPixels shifted, int channel) => SyntheticCells.Mean(Cell, cells, channel) - SyntheticCells.Mean(shifted, cells, channel);

        var blue = GiemsaStains.Jitter(Cell, [1, 1], [0.2, 0]);
        Assert.That(Drop(blue, 2), Is.GreaterThan(Drop(blue, 1)).And.GreaterThan(Drop(blue, 0)).And.GreaterThan(10), "methylene blue absorbs red most");
        var eosin = GiemsaStains.Jitter(Cell, [1, 1], [0, 0.2]);
        Assert.That(Drop(eosin, 1), Is.GreaterThan(Drop(eosin, 2)).And.GreaterThan(Drop(eosin, 0)).And.GreaterThan(10), "eosin absorbs green most");
    }

    [Test]
    public void ColourShiftsLeaveTheMaskBlack()
    {
        var mask = Enumerable.Range(0, Cell.PixelCount).Where(Cell.IsBackground).ToList();
        Assert.That(mask, Is.Not.Empty);
        foreach (var shifted in new[] { ColourShifts.RotateHue(Cell, 30), ColourShifts.ScaleSaturation(Cell, 2), GiemsaStains.Jitter(Cell, [1.3, 0.7], [0.2, -0.2]) })
            Assert.That(mask.All(shifted.IsBackground));
    }
}
