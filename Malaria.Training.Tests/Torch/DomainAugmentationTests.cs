using Malaria.Training.Commands;
using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>The departures towards other labs' crops (<c>--domain-augment</c>).</summary>
public class DomainAugmentationTests
{
    private const int Size = 32;
    private const int Plane = Size * Size;

    /// <summary>A pink disc (a cell) of radius 10 on black (the NIH mask), with a dark purple dot (a parasite) in it.</summary>
    private static byte[] MaskedCell()
    {
        var image = new byte[3 * Plane];
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            var (dy, dx) = (y - 15.5, x - 15.5);
            if (dy * dy + dx * dx > 100) continue;
            var parasite = (y - 14) * (y - 14) + (x - 17) * (x - 17) <= 4;
            byte[] rgb = parasite ? [110, 40, 130] : [215, 160, 170];
            for (var c = 0; c < 3; c++) image[c * Plane + y * Size + x] = rgb[c];
        }
        return image;
    }

    private static bool IsBlack(byte[] image, int i) => image[i] + image[Plane + i] + image[2 * Plane + i] == 0;

    [Test]
    public void EachDepartureAloneDoesWhatItSays()
    {
        var cell = MaskedCell();
        var blackBefore = Enumerable.Range(0, Plane).Count(i => IsBlack(cell, i));

        var plasma = Apply(new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 1, Neighbours = 0, Intensity = 0 }, cell, seed: 1);
        Assert.That(Enumerable.Range(0, Plane).Count(i => IsBlack(plasma, i)), Is.Zero, "plasma fills the whole mask");
        Assert.That(plasma[14 * Size + 17], Is.EqualTo(110), "the cell's own pixels are not touched");

        var shrunk = Apply(new DomainAugmentation { EdgeCut = 0, Shrink = 1, Plasma = 0, Intensity = 0 }, cell, seed: 2);
        Assert.That(Enumerable.Range(0, Plane).Count(i => IsBlack(shrunk, i)), Is.GreaterThan(blackBefore), "a loose crop has more black around the cell");

        var cut = Apply(new DomainAugmentation { EdgeCut = 1, Shrink = 0, Plasma = 0, Intensity = 0 }, cell, seed: 3);
        Assert.That(Enumerable.Range(0, Plane).Count(i => IsBlack(cut, i)), Is.LessThan(blackBefore), "a cut cell fills more of the crop");

        var faint = Apply(new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 0, Intensity = 1 }, cell, seed: 4);
        Assert.That(Enumerable.Range(0, Plane).Where(i => IsBlack(cell, i)).All(i => IsBlack(faint, i)), "intensity changes leave the mask black");
        Assert.That(faint, Is.Not.EqualTo(cell), "and change the cell");
    }

    [Test]
    public void NeighboursAreDrawnIntoTheMaskOnly()
    {
        var cell = MaskedCell();
        var other = Enumerable.Repeat((byte)90, 3 * Plane).ToArray();
        var augmentation = new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 1, Neighbours = 1, Intensity = 0 };
        var image = cell.ToArray();
        augmentation.Apply(image, Size, new Random(5), _ => other, new byte[image.Length]);

        var cellPixels = Enumerable.Range(0, Plane).Where(i => !IsBlack(cell, i)).ToArray();
        Assert.That(cellPixels.All(i => image[i] == cell[i] && image[Plane + i] == cell[Plane + i]), "the cell is untouched");
        Assert.That(Enumerable.Range(0, Plane).Count(i => IsBlack(cell, i) && image[i] == 90), Is.GreaterThan(0), "a neighbour lies in the mask");
    }

    [Test]
    public void ACrowdedCropSurroundsTheCellAndFillsTheRestWithPlasma()
    {
        var cell = MaskedCell();
        var other = Enumerable.Repeat((byte)90, 3 * Plane).ToArray();
        var crowded = new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 0, Intensity = 0, Crowd = 1 };
        var sparse = new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 1, Neighbours = 1, Intensity = 0 };
        var mask = Enumerable.Range(0, Plane).Where(i => IsBlack(cell, i)).ToArray();
        int NeighbourPixels(DomainAugmentation augmentation, int seed)
        {
            var image = cell.ToArray();
            augmentation.Apply(image, Size, new Random(seed), _ => other, new byte[image.Length]);
            Assert.That(Enumerable.Range(0, Plane).Where(i => !IsBlack(cell, i)).All(i => image[i] == cell[i]), "the cell is untouched");
            Assert.That(mask.Count(i => IsBlack(image, i)), Is.Zero, "no mask is left black");
            return mask.Count(i => image[i] == 90 && image[Plane + i] == 90);
        }

        var seeds = Enumerable.Range(0, 20).ToArray();
        var crowdedShare = seeds.Average(seed => NeighbourPixels(crowded, seed)) / mask.Length;
        var sparseShare = seeds.Average(seed => NeighbourPixels(sparse, seed)) / mask.Length;
        Assert.That(crowdedShare, Is.GreaterThan(0.5), "3-8 close neighbours cover most of the mask");
        Assert.That(crowdedShare, Is.GreaterThan(sparseShare + 0.15), "and more of it than v1's sparse neighbours");
    }

    [Test]
    public void StainAmountsChangeTheCellAndLeaveTheMaskBlack()
    {
        var cell = MaskedCell();
        var stained = Apply(new DomainAugmentation { EdgeCut = 0, Shrink = 0, Plasma = 0, Intensity = 0, Stain = 1 }, cell, seed: 6);
        Assert.That(Enumerable.Range(0, Plane).Where(i => IsBlack(cell, i)).All(i => IsBlack(stained, i)), "the mask stays black");
        Assert.That(stained, Is.Not.EqualTo(cell), "the cell's colours change");
        Assert.That(Enumerable.Range(0, Plane).Where(i => !IsBlack(cell, i)).All(i => !IsBlack(stained, i)), "and no cell pixel turns into mask");
    }

    [Test]
    public void V1KeepsTheRandomStreamItHadBeforeV2()
    {
        // V2's draws happen only when its probabilities are above 0, so a v1 run reproduces.
        var cell = MaskedCell();
        var explicitZero = new DomainAugmentation { Crowd = 0, Stain = 0 };
        foreach (var seed in Enumerable.Range(0, 10))
            Assert.That(Apply(DomainAugmentation.V1, cell, seed), Is.EqualTo(Apply(explicitZero, cell, seed)));
        Assert.That(Enumerable.Range(0, 10).Count(seed => !Apply(DomainAugmentation.V2, cell, seed).SequenceEqual(Apply(DomainAugmentation.V1, cell, seed))),
            Is.GreaterThan(0), "v2 draws differ");
    }

    [Test]
    public void TheSameSeedGivesTheSameImages()
    {
        var cell = MaskedCell();
        var first = Apply(DomainAugmentation.Default, cell, seed: 9);
        Assert.That(Apply(DomainAugmentation.Default, cell, seed: 9), Is.EqualTo(first));
        Assert.That(Enumerable.Range(0, 20).Count(seed => !Apply(DomainAugmentation.Default, cell, seed).SequenceEqual(cell)), Is.GreaterThan(10),
            "most draws change the crop");
    }

    [Test]
    public void WithoutItTheAugmentationIsUnchanged()
    {
        // Off draws no random numbers, so runs from before --domain-augment existed reproduce.
        var source = MaskedCell();
        var plain = new float[3 * Plane];
        var off = new float[3 * Plane];
        new Augmentation().Apply(source, plain, Size, new Random(5));
        new Augmentation(Domain: null).Apply(source, off, Size, new Random(5), _ => source);
        Assert.That(off, Is.EqualTo(plain));
    }

    [Test]
    public void TheOptionTurnsItOnAndIsRecorded()
    {
        var options = TorchCommandLine.Parse("--domain-augment");
        Assert.That(options.Augmentation.Domain, Is.EqualTo(DomainAugmentation.Default));
        Assert.That(options.SettingsOnlyWhenOn().ToDictionary(p => p.Key, p => p.Value), Does.ContainKey("domainAugment").WithValue(DomainAugmentation.Default.Version));
        Assert.That(() => TorchCommandLine.Parse("--domain-augment", "--no-augment"), Throws.TypeOf<CommandLineException>().With.Message.Contains("--domain-augment"));

        Assert.That(TorchCommandLine.Parse("--domain-augment", "v2").Augmentation.Domain, Is.EqualTo(DomainAugmentation.V2));
        Assert.That(TorchCommandLine.Parse("--domain-augment", "v2").SettingsOnlyWhenOn().ToDictionary(p => p.Key, p => p.Value)["domainAugment"], Is.EqualTo("v2"));
        Assert.That(TorchCommandLine.Parse("--domain-augment", "v1").Augmentation.Domain, Is.EqualTo(DomainAugmentation.V1));
        Assert.That(TorchCommandLine.Parse("--domain-augment", "false").Augmentation.Domain, Is.Null);
        Assert.That(() => TorchCommandLine.Parse("--domain-augment", "v9"), Throws.TypeOf<CommandLineException>().With.Message.Contains("v9").And.Message.Contains("v2"));
    }

    private static byte[] Apply(DomainAugmentation augmentation, byte[] cell, int seed)
    {
        var image = cell.ToArray();
        augmentation.Apply(image, Size, new Random(seed), null, new byte[image.Length]);
        return image;
    }
}
