using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>Defocus, sensor noise and JPEG: what each does to the image's fine detail and how it grows with severity.</summary>
public class ImageQualityShiftTests
{
    private static readonly CellPixels Cell = SyntheticCells.Cell();

    private static double Difference(CellPixels a, CellPixels b) => Enumerable.Range(0, a.Bgra.Length).Average(i => Math.Abs(a.Bgra[i] - b.Bgra[i]));

    [Test]
    public void NeutralParametersLeaveTheImageUnchanged()
    {
        Assert.That(DefocusShift.Blur(Cell, 0).Bgra, Is.EqualTo(Cell.Bgra));
        Assert.That(SensorNoiseShift.AddNoise(Cell, new SensorNoiseShift.NoiseLevel(0, 0), new Random(1)).Bgra, Is.EqualTo(Cell.Bgra));
    }

    [Test]
    public void DefocusLowersTheHighFrequencyEnergyMoreAtEachSeverity()
    {
        var energies = Enumerable.Range(0, 4).Select(s => SyntheticCells.HighFrequencyEnergy(DefocusShift.Defocus.Apply(Cell, s, ShiftContext.Seeded(1)))).ToList();
        Assert.That(energies, Is.Ordered.Descending.And.Unique);
        Assert.That(energies[3], Is.LessThan(energies[0] * 0.2), "a 3.5-pixel blur removes most of the texture");
    }

    [Test]
    public void BlurKeepsAFlatImageFlat()
    {
        var flat = new CellPixels(20, 10, Enumerable.Range(0, 200).SelectMany(_ => new byte[] { 90, 120, 200, 255 }).ToArray());
        Assert.That(DefocusShift.Blur(flat, 2).Bgra, Is.EqualTo(flat.Bgra), "the kernel sums to 1 and edges are clamped");
    }

    [Test]
    public void NoiseRaisesTheHighFrequencyEnergyMoreAtEachSeverity()
    {
        var energies = Enumerable.Range(0, 4).Select(s => SyntheticCells.HighFrequencyEnergy(SensorNoiseShift.Noise.Apply(Cell, s, new ShiftContext(new Random(5), [])))).ToList();
        Assert.That(energies, Is.Ordered.Ascending.And.Unique);
    }

    [Test]
    public void ShotNoiseIsStrongerOnBrighterPixels()
    {
        CellPixels Flat(byte value) => new(64, 64, Enumerable.Range(0, 64 * 64).SelectMany(_ => new[] { value, value, value, (byte)255 }).ToArray());
        double Spread(byte value)
        {
            var noisy = SensorNoiseShift.AddNoise(Flat(value), new SensorNoiseShift.NoiseLevel(0, 0.5), new Random(3));
            return Math.Sqrt(Enumerable.Range(0, noisy.PixelCount).Average(i => Math.Pow(noisy.Bgra[4 * i + 1] - value, 2)));
        }
        // sqrt(0.5 * 200) = 10 against sqrt(0.5 * 50) = 5.
        Assert.That(Spread(200), Is.EqualTo(10).Within(1));
        Assert.That(Spread(50), Is.EqualTo(5).Within(0.7));
    }

    [Test]
    public void LowerJpegQualityDepartsFurtherFromTheImage()
    {
        var errors = JpegShift.Qualities.Select(q => Difference(JpegShift.Recompress(Cell, q), Cell)).ToList();
        Assert.That(errors, Is.Ordered.Ascending.And.Unique);
        Assert.That(errors[0], Is.GreaterThan(0));
        Assert.That(Difference(JpegShift.Recompress(Cell, 100), Cell), Is.LessThan(errors[0]));
    }
}
