using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class PairedPatientBootstrapTests
{
    /// <summary>20 patients of 40 cells; the baseline gets every cell right but the first <paramref name="baselineMisses"/>
    /// of each patient; the candidate fixes <paramref name="fixedPerPatient"/> of them in each of <paramref name="patientsFixed"/> patients.</summary>
    private static (bool[] Baseline, bool[] Candidate, string[] Groups) Cells(int baselineMisses, int fixedPerPatient, int patientsFixed)
    {
        var baseline = new List<bool>();
        var candidate = new List<bool>();
        var groups = new List<string>();
        for (var p = 0; p < 20; p++)
            for (var i = 0; i < 40; i++)
            {
                var baselineRight = i >= baselineMisses;
                baseline.Add(baselineRight);
                candidate.Add(baselineRight || (p < patientsFixed && i < fixedPerPatient));
                groups.Add($"C{p}");
            }
        return ([.. baseline], [.. candidate], [.. groups]);
    }

    [Test]
    public void AGainSpreadOverEveryPatientHasAnIntervalAboveZero()
    {
        // 20 cells gained, one in each patient.
        var (baseline, candidate, groups) = Cells(baselineMisses: 3, fixedPerPatient: 1, patientsFixed: 20);
        var d = PairedPatientBootstrap.Compare(baseline, candidate, groups);

        Assert.That((d.Cells, d.Unit, d.Units), Is.EqualTo((800, "group", 20)));
        Assert.That((d.BaselineCorrect, d.CandidateCorrect, d.Difference), Is.EqualTo((740, 760, 20)));
        Assert.That((d.OnlyBaselineRight, d.OnlyCandidateRight), Is.EqualTo((0, 20)));
        // Every patient gains exactly 1 of 40 cells, so every draw gains 2.5 points.
        Assert.That(d.AccuracyDifference.Low, Is.EqualTo(0.025).Within(1e-12));
        Assert.That(d.AccuracyDifference.High, Is.EqualTo(0.025).Within(1e-12));
        Assert.That(d.ShareCandidateAhead, Is.EqualTo(1.0));
    }

    [Test]
    public void TheSameGainFromTwoPatientsHasAnIntervalThatHoldsZero()
    {
        // 20 cells gained, all in two patients: a draw without them shows no gain at all.
        var (baseline, candidate, groups) = Cells(baselineMisses: 10, fixedPerPatient: 10, patientsFixed: 2);
        var d = PairedPatientBootstrap.Compare(baseline, candidate, groups);

        Assert.That(d.Difference, Is.EqualTo(20));
        Assert.That(d.AccuracyDifference.Low, Is.EqualTo(0.0), "about 1 draw in 8 leaves both patients out");
        Assert.That(d.AccuracyDifference.High, Is.GreaterThan(0.05));
        Assert.That(d.ShareCandidateAhead, Is.InRange(0.80, 0.95));
        // Cells resampled as if independent would call the same gain certain.
        var byCell = PairedPatientBootstrap.Compare(baseline, candidate, null);
        Assert.That(byCell.Unit, Is.EqualTo("image"));
        Assert.That(byCell.AccuracyDifference.Low, Is.GreaterThan(0.0));
    }

    [Test]
    public void RejectsSetsOfOtherSizes()
    {
        Assert.Throws<ArgumentException>(() => PairedPatientBootstrap.Compare([true, false], [true], null));
        Assert.Throws<ArgumentException>(() => PairedPatientBootstrap.Compare([true], [true], ["C1", "C2"]));
        Assert.Throws<ArgumentException>(() => PairedPatientBootstrap.Compare([], [], null));
    }
}
