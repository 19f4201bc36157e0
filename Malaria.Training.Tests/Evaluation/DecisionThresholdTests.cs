using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

/// <summary>Choosing the Parasitized cut on held-out cells, and the cross-fitted estimate of what it is worth.</summary>
public class DecisionThresholdTests
{
    private const int Positive = 0;

    [Test]
    public void ChoosesTheCutWithTheMostCorrectCells()
    {
        // Positives (label 0) scored 0.35-0.9, negatives 0.1-0.3: any cut in (0.30, 0.35] separates them all; 0.5 misses two.
        int[] labels = [0, 0, 0, 0, 1, 1, 1];
        float[] p = [0.9f, 0.6f, 0.4f, 0.35f, 0.3f, 0.2f, 0.1f];

        var cut = DecisionThreshold.Choose(labels, p, Positive);

        Assert.That(cut, Is.InRange(0.305, 0.35));
        Assert.That(DecisionThreshold.Correct(labels, p, Positive, cut), Is.EqualTo(7));
        Assert.That(DecisionThreshold.Correct(labels, p, Positive, 0.5), Is.EqualTo(5));
    }

    [Test]
    public void TiesGoToTheCutNearestAHalf()
    {
        // Perfectly separated around 0.5: every cut from 0.21 to 0.80 is right on all cells.
        int[] labels = [0, 0, 1, 1];
        float[] p = [0.95f, 0.81f, 0.2f, 0.05f];
        Assert.That(DecisionThreshold.Choose(labels, p, Positive), Is.EqualTo(0.5));
    }

    [Test]
    public void TheCrossFittedEstimateExposesACutThatOnlyFitsTheCellsThatChoseIt()
    {
        // Folds 1 and 2: positives score 0.4, negatives 0.1 (they want a cut at or under 0.4). Fold 3: positives 0.6,
        // negatives 0.45 (it wants a cut above 0.45). Over all 12 cells a cut of 0.4 gets 10 right, so it looks good.
        (int[], float[]) Fold(float positive, float negative) => ([0, 0, 1, 1], [positive, positive, negative, negative]);
        var folds = new[] { Fold(0.4f, 0.1f), Fold(0.4f, 0.1f), Fold(0.6f, 0.45f) };

        var choice = DecisionThreshold.CrossFit(folds, Positive);

        Assert.That(choice.Threshold, Is.EqualTo(0.4));
        Assert.That(choice.Accuracy, Is.EqualTo(10 / 12.0).Within(1e-9));
        Assert.That(choice.BaselineAccuracy, Is.EqualTo(8 / 12.0).Within(1e-9), "at 0.5 folds 1-2 miss their four positives");
        // Without fold 1 (or 2) the other two folds tie between a low and a high cut, so 0.5 is kept and that fold's
        // positives are missed; without fold 3 the cut is 0.4, which calls fold 3's negatives positive.
        Assert.That(choice.FoldThresholds, Is.EqualTo(new[] { 0.5, 0.5, 0.4 }));
        Assert.That(choice.CrossFittedAccuracy, Is.EqualTo(6 / 12.0).Within(1e-9), "honestly worse than 0.5");
    }
}
