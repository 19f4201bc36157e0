using Malaria.Training.Data;

namespace Malaria.Training.Tests.Data;

public class PatientSplitterTests
{
    /// <summary>60 synthetic patients of uneven sizes; a third healthy-only, like the NIH set.</summary>
    private static List<LabeledImage> SyntheticPatients()
    {
        var random = new Random(5);
        var images = new List<LabeledImage>();
        for (var p = 0; p < 60; p++)
        {
            var size = random.Next(5, 300);
            var parasitizedShare = p % 3 == 0 ? 0.0 : random.NextDouble();
            for (var i = 0; i < size; i++)
            {
                var label = random.NextDouble() < parasitizedShare ? "Parasitized" : "Uninfected";
                images.Add(new LabeledImage($"/d/{label}/C{p}_cell_{i}.png", label, $"C{p}"));
            }
        }
        return images;
    }

    [Test]
    public void NoGroupIsOnTwoSidesAndLabelRatiosStayClose()
    {
        var images = SyntheticPatients();
        var split = PatientSplitter.Split(images, seed: 3);

        Assert.That(split, Has.Count.EqualTo(images.Count));
        var partsPerGroup = split.GroupBy(e => e.Image.Group).Select(g => g.Select(e => e.Part).Distinct().Count());
        Assert.That(partsPerGroup, Is.All.EqualTo(1));
        var ratios = Enum.GetValues<SplitPart>().Select(part => split.Where(e => e.Part == part).ToList())
            .Select(rows => rows.Count(r => r.Image.Label == "Parasitized") / (double)rows.Count).ToList();
        Assert.That(ratios.Max() - ratios.Min(), Is.LessThan(0.03));
        var shares = Enum.GetValues<SplitPart>().Select(part => split.Count(e => e.Part == part) / (double)split.Count).ToList();
        Assert.That(shares[0], Is.EqualTo(0.7).Within(0.05));
        Assert.That(shares[1], Is.EqualTo(0.1).Within(0.05));
        Assert.That(shares[2], Is.EqualTo(0.2).Within(0.05));
    }

    [Test]
    public void TheSameSeedGivesTheSameSplitAndAnotherSeedAnother()
    {
        var images = SyntheticPatients();
        string Key(IReadOnlyList<SplitEntry> s) => string.Join(",", s.Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Group).Distinct().Order());
        Assert.That(Key(PatientSplitter.Split(images, seed: 11)), Is.EqualTo(Key(PatientSplitter.Split(images, seed: 11))));
        Assert.That(Key(PatientSplitter.Split(images, seed: 11)), Is.Not.EqualTo(Key(PatientSplitter.Split(images, seed: 12))));
    }

    [Test]
    public void MergingValidationMovesOnlyValidationPatientsIntoTraining()
    {
        var split = PatientSplitter.Split(SyntheticPatients(), seed: 3);
        var merged = PatientSplitter.MergeValidationIntoTraining(split);

        Assert.That(merged.Count(e => e.Part == SplitPart.Validation), Is.Zero);
        Assert.That(merged.Where(e => e.Part == SplitPart.Test), Is.EqualTo(split.Where(e => e.Part == SplitPart.Test)), "the test part is untouched");
        Assert.That(merged.Count(e => e.Part == SplitPart.Train), Is.EqualTo(split.Count(e => e.Part != SplitPart.Test)));
        Assert.That(split.Count(e => e.Part == SplitPart.Validation), Is.GreaterThan(0), "there was something to merge");
    }

    [Test]
    public void RejectsFractionsThatLeaveNothingToTrainOn()
    {
        Assert.Throws<ArgumentException>(() => PatientSplitter.Split(SyntheticPatients(), 1, 0.5, 0.5));
    }

    [Test]
    public void SamplingKeepsTheShareOfEachPartAndLabelAndNoNewGroupsOnAnySide()
    {
        var split = PatientSplitter.Split(SyntheticPatients(), seed: 3);
        var sample = PatientSplitter.Sample(split, 0.25, seed: 3);
        foreach (var part in Enum.GetValues<SplitPart>())
            foreach (var label in new[] { "Parasitized", "Uninfected" })
            {
                var all = split.Count(e => e.Part == part && e.Image.Label == label);
                Assert.That(sample.Count(e => e.Part == part && e.Image.Label == label), Is.EqualTo(Math.Max(1, (int)Math.Round(all * 0.25))), $"{part}/{label}");
            }
        var partOf = split.ToDictionary(e => e.Image.Path, e => e.Part);
        Assert.That(sample.All(e => partOf[e.Image.Path] == e.Part), Is.True);
        Assert.That(PatientSplitter.Sample(split, 0.25, seed: 3).Select(e => e.Image.Path), Is.EqualTo(sample.Select(e => e.Image.Path)));
    }
}
