using Malaria.Training.Torch;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Torch;

/// <summary>The training augmentation's random translation (<c>--shift</c>).</summary>
public class AugmentationTests
{
    private const int Size = 16;
    private const int Plane = Size * Size;

    /// <summary>A uniform grey image (value 200 in every channel), planar bytes.</summary>
    private static byte[] Grey() => Enumerable.Repeat((byte)200, 3 * Plane).ToArray();

    [Test]
    public void AShiftMovesTheImageByAtMostItsRangeAndFillsTheUncoveredBorderBlack()
    {
        // Geometry only: no colour jitter, so every pixel is either the image's 200 or the black fill.
        var augmentation = new Augmentation(Brightness: 0, Contrast: 0, ChannelGain: 0, Shift: 3);
        var target = new float[3 * Plane];
        var offsets = new HashSet<(int Rows, int Columns)>();
        for (var seed = 0; seed < 200; seed++)
        {
            augmentation.Apply(Grey(), target, Size, new Random(seed));
            Assert.That(target, Has.All.EqualTo(200f).Or.EqualTo(0f), $"seed {seed}: only image or fill");
            // A uniform image shifted by (dy, dx) leaves |dy| black rows and |dx| black columns, whatever the symmetry.
            var blackRows = Enumerable.Range(0, Size).Count(y => Enumerable.Range(0, Size).All(x => target[y * Size + x] == 0));
            var blackColumns = Enumerable.Range(0, Size).Count(x => Enumerable.Range(0, Size).All(y => target[y * Size + x] == 0));
            Assert.That(blackRows, Is.InRange(0, 3), $"seed {seed}: rows");
            Assert.That(blackColumns, Is.InRange(0, 3), $"seed {seed}: columns");
            Assert.That(target.Count(v => v == 200f), Is.EqualTo(3 * (Size - blackRows) * (Size - blackColumns)), $"seed {seed}: the rest is the image");
            offsets.Add((blackRows, blackColumns));
        }
        Assert.That(offsets, Has.Count.EqualTo(16), "every combination of 0-3 rows and columns occurs");
    }

    [Test]
    public void ThePixelsMoveTogether()
    {
        // One bright pixel in the middle lands at most Shift pixels from where the symmetry alone would put it.
        var source = new byte[3 * Plane];
        for (var c = 0; c < 3; c++) source[c * Plane + 8 * Size + 8] = 255;
        var target = new float[3 * Plane];
        for (var seed = 0; seed < 50; seed++)
        {
            new Augmentation(Brightness: 0, Contrast: 0, ChannelGain: 0, Shift: 2).Apply(source, target, Size, new Random(seed));
            var lit = Enumerable.Range(0, Plane).Where(i => target[i] > 0).ToArray();
            Assert.That(lit, Has.Length.EqualTo(1), $"seed {seed}: one pixel, moved whole");
            var (y, x) = (lit[0] / Size, lit[0] % Size);
            // The 8 symmetries map (8, 8) to (7 or 8, 7 or 8).
            Assert.That(y, Is.InRange(5, 10), $"seed {seed}: row");
            Assert.That(x, Is.InRange(5, 10), $"seed {seed}: column");
            for (var c = 1; c < 3; c++) Assert.That(target[c * Plane + lit[0]], Is.EqualTo(255f), $"seed {seed}: channel {c} moves with it");
        }
    }

    [Test]
    public void WithoutAShiftTheOutputIsUnchanged()
    {
        // Shift 0 draws no extra random numbers, so runs from before --shift existed reproduce.
        var source = Enumerable.Range(0, 3 * Plane).Select(i => (byte)(i * 37 % 251)).ToArray();
        var plain = new float[3 * Plane];
        var zero = new float[3 * Plane];
        new Augmentation().Apply(source, plain, Size, new Random(5));
        new Augmentation(Shift: 0).Apply(source, zero, Size, new Random(5));
        Assert.That(zero, Is.EqualTo(plain));
        // With a shift the same seed gives the same symmetry and colours, then an offset (zero one time in 49).
        var moved = Enumerable.Range(0, 10).Count(seed =>
        {
            var a = new float[3 * Plane];
            var b = new float[3 * Plane];
            new Augmentation().Apply(source, a, Size, new Random(seed));
            new Augmentation(Shift: 3).Apply(source, b, Size, new Random(seed));
            return !a.SequenceEqual(b);
        });
        Assert.That(moved, Is.GreaterThan(5), "a shift changes the image");
    }

    [Test]
    public void AShiftWithoutAugmentationIsAnError() =>
        Assert.That(() => TorchCommandLine.Parse("--shift", "4", "--no-augment"), Throws.TypeOf<CommandLineException>().With.Message.Contains("--no-augment"));

    [TestCase("4", true)]
    [TestCase("16", true)]
    [TestCase("17", false)]
    [TestCase("-1", false)]
    public void TheShiftOptionIsReadAndBounded(string shift, bool accepted)
    {
        if (accepted)
            Assert.That(TorchCommandLine.Parse("--shift", shift).Augmentation.Shift, Is.EqualTo(int.Parse(shift)));
        else
            Assert.That(() => TorchCommandLine.Parse("--shift", shift), Throws.TypeOf<CommandLineException>().With.Message.Contains($"--shift {shift}"));
    }
}
