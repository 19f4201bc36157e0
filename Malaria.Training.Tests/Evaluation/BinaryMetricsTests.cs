using Malaria.Training.Evaluation;
using Microsoft.ML;

namespace Malaria.Training.Tests.Evaluation;

public class BinaryMetricsTests
{
    [Test]
    public void CountsAndRatesMatchAHandWorkedExample()
    {
        // Truth:      P  P  P  P  N  N  N  N  N  N
        // Predicted:  P  P  P  N  P  N  N  N  N  N    -> TP 3, FN 1, FP 1, TN 5
        bool[] truth = [true, true, true, true, false, false, false, false, false, false];
        bool[] predicted = [true, true, true, false, true, false, false, false, false, false];
        double[] score = [0.9, 0.8, 0.7, 0.3, 0.6, 0.4, 0.2, 0.1, 0.05, 0.01];

        var m = BinaryMetrics.Compute(truth, predicted, score);

        Assert.That((m.TruePositives, m.FalseNegatives, m.FalsePositives, m.TrueNegatives), Is.EqualTo((3, 1, 1, 5)));
        Assert.That(m.Precision, Is.EqualTo(0.75).Within(1e-12));
        Assert.That(m.Recall, Is.EqualTo(0.75).Within(1e-12));
        Assert.That(m.Specificity, Is.EqualTo(5.0 / 6).Within(1e-12));
        Assert.That(m.F1, Is.EqualTo(0.75).Within(1e-12));
        // Of the 4 x 6 positive/negative pairs only (0.3 vs 0.6) and (0.3 vs 0.4) are ordered wrongly: AUC = 22/24.
        Assert.That(m.RocAuc, Is.EqualTo(22.0 / 24).Within(1e-12));
        // Positives at ranks 1, 2, 3, 6: AP = (1 + 1 + 1 + 4/6) / 4.
        Assert.That(m.PrAuc, Is.EqualTo((3 + 4.0 / 6) / 4).Within(1e-12));
        Assert.That(m.RocCurve[0], Is.EqualTo(new RocPoint(0, 0, double.PositiveInfinity)));
        Assert.That(m.RocCurve[^1].FalsePositiveRate, Is.EqualTo(1.0));
        Assert.That(m.RocCurve[^1].TruePositiveRate, Is.EqualTo(1.0));
    }

    [Test]
    public void TiedScoresCountHalfInTheAuc()
    {
        var m = BinaryMetrics.Compute([true, false], [true, true], [0.5, 0.5]);
        Assert.That(m.RocAuc, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(m.Specificity, Is.Zero);
    }

    [Test]
    public void PerfectSeparationGivesAucOne()
    {
        var m = BinaryMetrics.Compute([true, true, false], [true, true, false], [0.9, 0.8, 0.1]);
        Assert.That(m.RocAuc, Is.EqualTo(1.0));
        Assert.That(m.PrAuc, Is.EqualTo(1.0));
        Assert.That(m.F1, Is.EqualTo(1.0));
    }

    [Test]
    public void ModelEvaluatorAgreesWithHandCountsAndMlNetLogLoss()
    {
        string[] labels = ["Parasitized", "Uninfected"];
        int[] truth = [0, 0, 1, 1, 1];
        float[][] scores = [[0.9f, 0.1f], [0.4f, 0.6f], [0.2f, 0.8f], [0.3f, 0.7f], [0.6f, 0.4f]];
        var result = ModelEvaluator.Evaluate(new MLContext(1), new ScoredSet(labels, truth, scores), "Parasitized", "test");

        Assert.That(result.Accuracy, Is.EqualTo(3.0 / 5).Within(1e-9));
        Assert.That(result.ConfusionMatrix[0], Is.EqualTo(new[] { 1, 1 }));
        Assert.That(result.ConfusionMatrix[1], Is.EqualTo(new[] { 1, 2 }));
        var expectedLogLoss = -(Math.Log(0.9) + Math.Log(0.4) + Math.Log(0.8) + Math.Log(0.7) + Math.Log(0.4)) / 5;
        Assert.That(result.LogLoss, Is.EqualTo(expectedLogLoss).Within(1e-5));
        Assert.That(result.Precision, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(result.Recall, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(result.Specificity, Is.EqualTo(2.0 / 3).Within(1e-12));
        // Positive scores 0.9, 0.4 vs negatives 0.2, 0.3, 0.6: 0.9 beats all 3, 0.4 beats 2 -> 5/6.
        Assert.That(result.Auc, Is.EqualTo(5.0 / 6).Within(1e-12));
        Assert.That(result.ToJson(), Does.Contain("\"specificity\"").And.Contain("\"confusionMatrix\"").And.Contain("\"logLoss\""));
    }
}
