using Malaria.Training.Data;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class TrainingGroupsTests
{
    [Test]
    public void RecordsTheSortedDistinctGroupsAndReadsThemBack()
    {
        var properties = new Dictionary<string, string>();
        TrainingGroups.Record(properties, ["C101P62", "C100P61", "C101P62"]);
        Assert.That(properties[TrainingGroups.GroupsProperty], Is.EqualTo("C100P61,C101P62"));
        Assert.That(properties[TrainingGroups.Sha256Property], Has.Length.EqualTo(64));
        Assert.That(TrainingGroups.Read(properties), Is.EquivalentTo(new[] { "C100P61", "C101P62" }));
        Assert.That(TrainingGroups.Read(new Dictionary<string, string>()), Is.Null, "older cards record none");
        Assert.That(TrainingGroups.Read(null), Is.Null);
    }

    [Test]
    public void CountsTheSharedPatientsAndCells()
    {
        LabeledImage[] images = [new("a", "P", "A"), new("b", "P", "A"), new("c", "U", "B"), new("d", "U", "C")];
        var overlap = TrainingGroups.Overlap(images, new HashSet<string> { "A", "Z" });
        Assert.That(overlap, Is.EqualTo(new PatientOverlap(1, 3, 2, 4)));
        Assert.That(overlap!.Warning, Does.Contain("1 of the 3 evaluated patients (2 of 4 cells)").And.Contain("optimistic"));
        Assert.That(TrainingGroups.Overlap(images, new HashSet<string> { "Z" }), Is.Null);
    }
}
