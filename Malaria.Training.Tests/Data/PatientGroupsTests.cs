using Malaria.Training.Data;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Data;

public class PatientGroupsTests
{
    [TestCase("C100P61ThinF_IMG_20150918_144104_cell_162.png", "C100")]
    [TestCase("C12NThinF_IMG_20150614_124212_cell_169.png", "C12")]
    [TestCase("C47P8thinOriginalOlympusCX21_IMG_x_cell_1.png", "C47")]
    [TestCase("C47P8thin_Original_Motic_IMG_x_cell_2.png", "C47")]
    [TestCase("/some/folder/C3thin_original_IMG_x.png", "C3")]
    public void ReadsTheNihCaseNumber(string file, string group)
    {
        Assert.That(new PatientGroups().Of(file), Is.EqualTo((group, true)));
    }

    [Test]
    public void AFileMatchingNoPatternIsItsOwnGroup()
    {
        Assert.That(new PatientGroups().Of("/x/scan_0001.png"), Is.EqualTo(("scan_0001.png", false)));
    }

    [Test]
    public void ACustomPatternUsesItsFirstCaptureGroup()
    {
        var groups = new PatientGroups("^patient-([a-z]+)_");
        Assert.That(groups.Of("patient-alice_003.png"), Is.EqualTo(("alice", true)));
        Assert.That(new PatientGroups("^[A-Z]{3}").Of("ABC123.png"), Is.EqualTo(("ABC", true)));
    }

    [Test]
    public void AnInvalidPatternIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PatientGroups("(unclosed"));
        Assert.That(ex!.Message, Does.Contain("--group-pattern"));
    }

    [Test]
    public void DatasetCountsFilesThatMatchNoPattern()
    {
        using var tree = new TempFolder();
        tree.Write("A/C1_a.png", TestImages.Png(TestImages.Tint.Red, seed: 1));
        tree.Write("A/odd_name.png", TestImages.Png(TestImages.Tint.Red, seed: 2));
        tree.Write("B/C2_b.png", TestImages.Png(TestImages.Tint.Red, seed: 3));
        var dataset = ImageFolderDataset.Load(tree.Path);
        Assert.That(dataset.UnmatchedGroupFiles, Is.EqualTo(1));
        Assert.That(dataset.GroupCount, Is.EqualTo(3));
    }
}
