using Malaria.Training.Data;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Data;

public class PatientFoldsTests
{
    /// <summary>Patients P0..P(n-1) with uneven cell counts (1 to 55, several of each size), like the NIH data.</summary>
    private static List<LabeledImage> Cells(int patients) =>
        [.. Enumerable.Range(0, patients).SelectMany(p => Enumerable.Range(0, 1 + p % 10 * 6).Select(c => new LabeledImage($"/d/P{p}_{c}.png", c % 2 == 0 ? "Parasitized" : "Uninfected", $"P{p}")))];

    [Test]
    public void EveryPatientIsInExactlyOneFoldAndFoldsHoldSimilarCellCounts()
    {
        var cells = Cells(40);
        var folds = PatientFolds.Assign(cells, 5, seed: 42);

        Assert.That(folds.Keys, Is.EquivalentTo(cells.Select(c => c.Group).Distinct()));
        Assert.That(folds.Values.Distinct().Order(), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        var perFold = cells.GroupBy(c => folds[c.Group]).Select(g => g.Count()).ToList();
        var largestPatient = cells.GroupBy(c => c.Group).Max(g => g.Count());
        Assert.That(perFold.Max() - perFold.Min(), Is.LessThanOrEqualTo(largestPatient), "greedy dealing keeps folds within one patient of each other");
    }

    [Test]
    public void SameSeedSameFoldsAnotherSeedOthers()
    {
        var cells = Cells(40);
        Assert.That(PatientFolds.Assign(cells, 5, 1), Is.EquivalentTo(PatientFolds.Assign(cells, 5, 1)));
        Assert.That(PatientFolds.Assign(cells, 5, 2), Is.Not.EquivalentTo(PatientFolds.Assign(cells, 5, 1)));
    }

    [Test]
    public void FewerPatientsThanFoldsIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => PatientFolds.Assign(Cells(3), 5, 0));
        Assert.That(ex!.Message, Does.Contain("at least 5 patients"));
    }
}
