using Malaria.Training.Data;

namespace Malaria.Training.Tests.Data;

/// <summary>The data layer on the real NIH development images in ../shared (Ignored where they are absent).</summary>
[Category("RealData")]
public class RealDataTests
{
    private static ImageFolderDataset? _dataset;

    private static ImageFolderDataset Dataset => _dataset ??= ImageFolderDataset.Load(SharedData.MalariaImages);

    [Test]
    public void InspectFindsTheDocumentedCountsAndNoProblems()
    {
        var dataset = Dataset;
        Assert.That(dataset.CountByLabel["Parasitized"], Is.EqualTo(7716));
        Assert.That(dataset.CountByLabel["Uninfected"], Is.EqualTo(6854));
        Assert.That(dataset.GroupCount, Is.EqualTo(100));
        Assert.That(dataset.UnmatchedGroupFiles, Is.Zero);
        Assert.That(dataset.Problems, Is.Empty);
    }

    [Test]
    public void GroupsAgreeWithTheManifestsPatientMapping()
    {
        var dataset = Dataset;
        var manifest = Path.Combine(Path.GetDirectoryName(dataset.Root)!, "manifest.csv");
        var prefixByFile = File.ReadLines(manifest).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => Path.GetFileName(f[0]), f => f[3]);
        // Our groups must partition the files exactly as the manifest's group_prefix does (same groups, other names).
        var pairs = dataset.Images.Select(i => (Ours: i.Group, Theirs: prefixByFile[Path.GetFileName(i.Path)])).Distinct().ToList();
        Assert.That(pairs.Select(p => p.Ours).Distinct().Count(), Is.EqualTo(pairs.Count));
        Assert.That(pairs.Select(p => p.Theirs).Distinct().Count(), Is.EqualTo(pairs.Count));
    }

    [TestCase(42)]
    [TestCase(2)]
    public void TheSplitKeepsPatientsApartAndLabelRatiosWithinThreePoints(int seed)
    {
        var split = PatientSplitter.Split(Dataset.Images, seed);
        Assert.That(split.GroupBy(e => e.Image.Group).Select(g => g.Select(e => e.Part).Distinct().Count()), Is.All.EqualTo(1));
        var ratios = Enum.GetValues<SplitPart>()
            .Select(part => split.Where(e => e.Part == part).ToList())
            .Select(rows => rows.Count(r => r.Image.Label == "Parasitized") / (double)rows.Count)
            .ToList();
        Assert.That(ratios.Max() - ratios.Min(), Is.LessThanOrEqualTo(0.03));
    }
}
