using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class BinaryClassificationMetricsTests
{
    [Test]
    public void MatchesHandComputedValues()
    {
        // Positive = index 0. Actual: P P P N N; probabilities of P: 0.9 0.6 0.3 0.4 0.1.
        int[] actual = [0, 0, 0, 1, 1];
        float[] probability = [0.9f, 0.6f, 0.3f, 0.4f, 0.1f];
        var m = BinaryClassificationMetrics.Compute(actual, probability, ["Parasitized", "Uninfected"], positiveIndex: 0);

        // TP 2, FN 1, FP 0, TN 2.
        Assert.That(m.Accuracy, Is.EqualTo(0.8).Within(1e-12));
        Assert.That(m.Precision, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(m.Recall, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(m.Specificity, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(m.F1, Is.EqualTo(0.8).Within(1e-12));
        // Pairs (P,N) ranked correctly: (0.9 vs 0.4, 0.1), (0.6 vs both), (0.3 vs 0.1) = 5 of 6.
        Assert.That(m.Auc, Is.EqualTo(5.0 / 6).Within(1e-12));
        var expectedLogLoss = -(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.3) + Math.Log(0.6) + Math.Log(0.9)) / 5;
        Assert.That(m.LogLoss, Is.EqualTo(expectedLogLoss).Within(1e-6));
        Assert.That(m.ConfusionMatrix, Is.EqualTo(new[] { new[] { 2, 1 }, new[] { 0, 2 } }));
    }
}
