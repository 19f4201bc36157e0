using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class PatientBootstrapTests
{
    private static readonly string[] Labels = ["Parasitized", "Uninfected"];

    /// <summary>10 patients of 50 cells, half infected; every cell right except all 50 of <paramref name="wrongGroups"/>.</summary>
    private static (ScoredSet Set, string[] Groups) Clustered(int wrongGroups)
    {
        var truth = new List<int>();
        var scores = new List<float[]>();
        var groups = new List<string>();
        for (var g = 0; g < 10; g++)
        {
            for (var i = 0; i < 50; i++)
            {
                var label = i % 2;
                var right = g >= wrongGroups;
                var parasitized = (label == 0) == right ? 0.8f + i / 500f : 0.2f - i / 500f;
                truth.Add(label);
                scores.Add([parasitized, 1 - parasitized]);
                groups.Add($"C{g}");
            }
        }
        return (new ScoredSet(Labels, truth, scores), [.. groups]);
    }

    [Test]
    public void ErrorsInOnePatientWidenTheIntervalOverResamplingCells()
    {
        var (set, groups) = Clustered(wrongGroups: 1);
        var byPatient = PatientBootstrap.Compute(set, positiveIndex: 0, groups);
        var byCell = PatientBootstrap.Compute(set, positiveIndex: 0, groups: null);

        Assert.That((byPatient.Unit, byPatient.Units), Is.EqualTo(("group", 10)));
        Assert.That((byCell.Unit, byCell.Units), Is.EqualTo(("image", 500)));
        var patient = byPatient.Metrics["accuracy"];
        var cell = byCell.Metrics["accuracy"];
        // Accuracy is 0.9. Drawing the bad patient 0 to 3 times in 10 gives 1.0 down to 0.7; cells alone vary by a few points.
        Assert.That(patient.Low, Is.LessThanOrEqualTo(0.8).And.GreaterThanOrEqualTo(0.6));
        Assert.That(patient.High, Is.EqualTo(1.0));
        Assert.That(cell.Low, Is.GreaterThan(0.86));
        Assert.That(cell.High, Is.LessThan(0.94));
        Assert.That(patient.High - patient.Low, Is.GreaterThan(3 * (cell.High - cell.Low)));
    }

    [Test]
    public void APerfectModelHasNoSpreadAndTheSameSeedGivesTheSameIntervals()
    {
        var (perfect, groups) = Clustered(wrongGroups: 0);
        var intervals = PatientBootstrap.Compute(perfect, 0, groups);
        foreach (var key in new[] { "accuracy", "precision", "recall", "specificity", "f1", "auc" })
            Assert.That(intervals.Metrics[key], Is.EqualTo(new Interval(1, 1)), key);

        var (set, sameGroups) = Clustered(wrongGroups: 2);
        Assert.That(PatientBootstrap.Compute(set, 0, sameGroups, seed: 5).Metrics["recall"],
            Is.EqualTo(PatientBootstrap.Compute(set, 0, sameGroups, seed: 5).Metrics["recall"]));
    }

    [Test]
    public void OnePatientFallsBackToResamplingCells()
    {
        var (set, _) = Clustered(wrongGroups: 1);
        var intervals = PatientBootstrap.Compute(set, 0, [.. Enumerable.Repeat("C1", set.Count)], resamples: 200);
        Assert.That((intervals.Unit, intervals.Units, intervals.Resamples), Is.EqualTo(("image", 500, 200)));
        Assert.That(intervals.Metrics["accuracy"].Low, Is.LessThan(0.9).And.GreaterThan(0.85));
    }

    [Test]
    public void RejectsGroupNamesThatDoNotMatchTheRows()
    {
        var (set, _) = Clustered(wrongGroups: 0);
        Assert.Throws<ArgumentException>(() => PatientBootstrap.Compute(set, 0, ["C1"]));
    }
}
