using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class IntervalNoteTests
{
    private static EvaluationResult Result(ConfidenceIntervals intervals) => new()
    {
        Part = "test", Rows = 40, Labels = ["Parasitized", "Uninfected"], PositiveLabel = "Parasitized", Accuracy = 1,
        ConfusionMatrix = [[20, 0], [0, 20]], Intervals = intervals,
    };

    private static ConfidenceIntervals Intervals(string unit, int units, Interval accuracy) =>
        new(unit, units, 2000, 0.95, 1, new Dictionary<string, Interval> { ["accuracy"] = accuracy, ["auc"] = new(0.91, 0.99) });

    [Test]
    public void TooFewPatientsReplaceEveryIntervalWithTheNote()
    {
        var md = EvaluationReport.Markdown(Result(Intervals("group", IntervalNote.MinimumPatients - 1, new(1, 1))), "t", []);
        Assert.That(md, Does.Contain("95 % interval: not enough patients for an interval (4 patients)."));
        Assert.That(md, Does.Not.Contain("1.0000 - 1.0000").And.Not.Contain("0.9100 - 0.9900"));
    }

    [Test]
    public void CellsOfOnePatientCountAsOnePatient()
    {
        var intervals = Intervals("image", 40, new(0.9, 1));
        Assert.That(IntervalNote.ForSet(intervals), Is.EqualTo("not enough patients for an interval (1 patient)"));
    }

    [Test]
    public void ADegenerateIntervalIsTheNoteAndTheOthersStay()
    {
        var intervals = Intervals("group", 6, new(1, 1));
        Assert.That(IntervalNote.ForSet(intervals), Is.Null);
        Assert.That(IntervalNote.Cell(intervals, "accuracy"), Is.EqualTo("not enough patients for an interval (6 patients)"));
        Assert.That(IntervalNote.Cell(intervals, "recall"), Is.Empty, "no interval drawn for it");
        var md = EvaluationReport.Markdown(Result(intervals), "t", []);
        Assert.That(md, Does.Contain("| accuracy | 1.0000 | not enough patients for an interval (6 patients) |"));
        Assert.That(md, Does.Contain("| ROC AUC | 0.0000 | 0.9100 - 0.9900 |"));
        Assert.That(md, Does.Not.Contain("1.0000 - 1.0000"));
    }

    [Test]
    public void AnAllCorrectSetOfFewPatientsGetsTheNoteFromTheBootstrap()
    {
        // Three patients, every cell right: the bootstrap's accuracy interval is 1 - 1.
        string[] groups = ["A", "A", "B", "B", "C", "C"];
        var intervals = PatientBootstrap.Compute([.. groups.Select(_ => true)], [true, false, true, false, true, false],
            [true, false, true, false, true, false], [0.9, 0.1, 0.8, 0.2, 0.7, 0.3], groups, resamples: 200);
        Assert.That(intervals.Metrics["accuracy"], Is.EqualTo(new Interval(1, 1)));
        Assert.That(IntervalNote.ForSet(intervals), Is.EqualTo("not enough patients for an interval (3 patients)"));
    }
}
