using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary>Properties every shift must have, swept over the whole catalogue at every severity.</summary>
public class ShiftCatalogueTests
{
    private static IEnumerable<TestCaseData> ShiftsAndSeverities() =>
        ShiftCatalogue.All.SelectMany(s => Enumerable.Range(1, ImageShift.MaxSeverity).Select(severity => new TestCaseData(s.Name, severity).SetName($"{s.Name} severity {severity}")));

    private static IEnumerable<TestCaseData> Shifts() => ShiftCatalogue.All.Select(s => new TestCaseData(s.Name).SetName(s.Name));

    private static ShiftContext Context(int seed, string shift, int severity) =>
        new(ShiftRandom.For(seed, "Parasitized/cell.png", shift, severity), SyntheticCells.Neighbours());

    [Test]
    public void TheCatalogueHasEveryFamilyWithThreeDescribedSeveritiesAndUniqueNames()
    {
        Assert.That(ShiftCatalogue.All.Select(s => s.Name), Is.Unique);
        Assert.That(ShiftCatalogue.Families, Is.EqualTo(new[] { "stain and colour", "brightness and contrast", "defocus", "sensor noise", "JPEG", "scale and resolution", "background", "position" }));
        foreach (var shift in ShiftCatalogue.All)
        {
            Assert.That(shift.Levels.Select(l => l.Severity), Is.EqualTo(new[] { 1, 2, 3 }), shift.Name);
            Assert.That(shift.Levels.Select(l => l.Parameters), Is.Unique.And.All.Not.Empty, shift.Name);
            Assert.That(shift.Description, Is.Not.Empty, shift.Name);
        }
    }

    [TestCaseSource(nameof(Shifts))]
    public void SeverityZeroIsTheCleanImage(string name)
    {
        var image = SyntheticCells.Cell();
        Assert.That(ShiftCatalogue.Find(name).Apply(image, 0, Context(42, name, 0)), Is.SameAs(image));
    }

    [TestCaseSource(nameof(ShiftsAndSeverities))]
    public void IsDeterministicForASeedAndChangesTheImageButNotItsInput(string name, int severity)
    {
        var shift = ShiftCatalogue.Find(name);
        var image = SyntheticCells.Cell();
        var before = (byte[])image.Bgra.Clone();

        var first = shift.Apply(image, severity, Context(42, name, severity));
        var second = shift.Apply(image, severity, Context(42, name, severity));

        Assert.That(second.Bgra, Is.EqualTo(first.Bgra), "the same seed gives the same pixels");
        Assert.That(first.Bgra, Is.Not.EqualTo(image.Bgra), "every severity changes the image");
        Assert.That((first.Width, first.Height), Is.EqualTo((image.Width, image.Height)), "the crop keeps its size");
        Assert.That(Enumerable.Range(0, first.PixelCount).All(i => first.Bgra[4 * i + 3] == 255), "pixels stay opaque");
        Assert.That(image.Bgra, Is.EqualTo(before), "the input is never changed in place");
    }

    // Not context: its neighbours replace plasma with cell colours, which lie nearer the black mask than plasma does;
    // BackgroundShiftTests checks instead that more of the mask holds neighbours as severity grows.
    private static IEnumerable<TestCaseData> ShiftsButContext() => Shifts().Where(c => (string)c.Arguments[0]! != "context");

    [TestCaseSource(nameof(ShiftsButContext))]
    public void StrongerSeveritiesMoveTheImageFurther(string name)
    {
        var shift = ShiftCatalogue.Find(name);
        var image = SyntheticCells.Cell();
        double Distance(int severity)
        {
            // The same draws at every severity, so only the parameters differ.
            var shifted = shift.Apply(image, severity, Context(42, name, 1));
            return Enumerable.Range(0, image.Bgra.Length).Sum(i => Math.Abs(shifted.Bgra[i] - image.Bgra[i]));
        }
        Assert.That(Distance(3), Is.GreaterThan(Distance(1)), "severity 3 departs further from the clean image than severity 1");
    }

    [Test]
    public void SeverityOutOfRangeIsRefusedWithTheShiftNamed()
    {
        var shift = ShiftCatalogue.Find("hue");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => shift.Apply(SyntheticCells.Cell(), 4, ShiftContext.Seeded(1)));
        Assert.That(ex!.Message, Does.Contain("'hue'").And.Contain("1 to 3"));
        Assert.That(Assert.Throws<ArgumentException>(() => ShiftCatalogue.Find("fog"))!.Message, Does.Contain("'fog'").And.Contain("defocus"));
    }

    [Test]
    public void EachImageShiftAndSeverityHasItsOwnStableGenerator()
    {
        int[] Draws(Random r) => [.. Enumerable.Range(0, 5).Select(_ => r.Next())];
        var reference = Draws(ShiftRandom.For(42, "Parasitized/a.png", "noise", 2));
        Assert.That(Draws(ShiftRandom.For(42, "Parasitized/a.png", "noise", 2)), Is.EqualTo(reference));
        Assert.That(Draws(ShiftRandom.For(7, "Parasitized/a.png", "noise", 2)), Is.Not.EqualTo(reference));
        Assert.That(Draws(ShiftRandom.For(42, "Parasitized/b.png", "noise", 2)), Is.Not.EqualTo(reference));
        Assert.That(Draws(ShiftRandom.For(42, "Parasitized/a.png", "jpeg", 2)), Is.Not.EqualTo(reference));
        Assert.That(Draws(ShiftRandom.For(42, "Parasitized/a.png", "noise", 3)), Is.Not.EqualTo(reference));
    }
}
