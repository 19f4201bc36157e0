using Malaria.Inference;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

/// <summary>
/// Temperature scaling, calibration error and the screening threshold on synthetic cells whose true probabilities are
/// known: each cell's label is drawn from sigmoid(z), so a model reporting sigmoid(T0 z) is over-confident by exactly T0.
/// </summary>
public class CalibrationTests
{
    private static (double[] TrueLogits, bool[] Positive) Cells(int count, int seed)
    {
        var random = new Random(seed);
        var z = new double[count];
        var positive = new bool[count];
        for (var i = 0; i < count; i++)
        {
            // A logit spread like a good classifier's: mostly far from 0, some near it.
            z[i] = (random.NextDouble() * 2 - 1) * 6;
            positive[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z[i]));
        }
        return (z, positive);
    }

    [TestCase(2.5)]
    [TestCase(0.6)]
    public void TheFittedTemperatureRecoversTheOneThatDistortedTheLogits(double distortion)
    {
        var (z, positive) = Cells(40_000, seed: 1);
        double[] reported = [.. z.Select(v => v * distortion)];

        var t = TemperatureScaling.Fit(reported, positive);

        Assert.That(t, Is.EqualTo(distortion).Within(distortion * 0.05), "temperature within 5 % of the distortion");
        Assert.That(TemperatureScaling.NegativeLogLikelihood(reported, positive, t),
            Is.LessThan(TemperatureScaling.NegativeLogLikelihood(reported, positive, 1)), "the fitted temperature lowers the log-loss");
    }

    [Test]
    public void TemperatureKeepsTheOrderOfTheCells()
    {
        double[] logits = [-3, -0.5, 0, 0.2, 4];
        var p = TemperatureScaling.Apply(logits, 2.7);
        Assert.That(p, Is.Ordered.Ascending);
        Assert.That(p[2], Is.EqualTo(0.5), "logit 0 stays at 0.5, so the balanced point does not move");
    }

    [Test]
    public void APerfectlyCalibratedSetHasNearZeroEce()
    {
        var (z, positive) = Cells(100_000, seed: 2);
        double[] p = [.. z.Select(v => 1 / (1 + Math.Exp(-v)))];

        var figures = CalibrationMetrics.Compute(p, positive);

        Assert.That(figures.Ece, Is.LessThan(0.01));
    }

    [Test]
    public void AnOverConfidentSetHasALargeEceThatCalibrationRemoves()
    {
        var (z, positive) = Cells(40_000, seed: 3);
        double[] reported = [.. z.Select(v => v * 3)];
        var before = CalibrationMetrics.Compute(TemperatureScaling.Apply(reported, 1), positive);
        var after = CalibrationMetrics.Compute(TemperatureScaling.Apply(reported, TemperatureScaling.Fit(reported, positive)), positive);

        Assert.That(before.Ece, Is.GreaterThan(0.05));
        Assert.That(after.Ece, Is.LessThan(0.015));
        Assert.That(after.LogLoss, Is.LessThan(before.LogLoss));
        Assert.That(after.Brier, Is.LessThan(before.Brier));
    }

    [Test]
    public void EceIsTheCountWeightedGapPerBin()
    {
        // Bin [0, 1/15): two cells at 0.05, one positive (rate 0.5, gap 0.45); bin [14/15, 1]: two at 1.0, both positive (gap 0).
        var figures = CalibrationMetrics.Compute([0.05, 0.05, 1.0, 1.0], [true, false, true, true]);
        Assert.That(figures.Ece, Is.EqualTo(0.5 * 0.45).Within(1e-12));
        Assert.That(figures.Brier, Is.EqualTo((0.95 * 0.95 + 0.05 * 0.05) / 4).Within(1e-12));
    }

    [Test]
    public void TheScreeningThresholdIsTheLargestReachingTheTarget()
    {
        // Ten positives 0.1..1.0: 90 % sensitivity needs the nine largest, so the cut is the ninth largest, 0.2.
        double[] p = [.. Enumerable.Range(1, 10).Select(i => i / 10.0), 0.05, 0.15, 0.5];
        bool[] positive = [.. Enumerable.Repeat(true, 10), false, false, false];

        var t = SensitivityThreshold.Choose(p, positive, 0.9);

        Assert.That(t, Is.EqualTo(0.2).Within(1e-12));
        Assert.That(SensitivityThreshold.Rates(p, positive, t).Sensitivity, Is.EqualTo(0.9));
        Assert.That(SensitivityThreshold.Rates(p, positive, t + 1e-9).Sensitivity, Is.LessThan(0.9), "any larger cut misses the target");
    }

    [Test]
    public void CrossFittedScreeningReachesAboutTheTargetOnHeldOutFolds()
    {
        // Five folds of one population: a threshold chosen on four folds reaches about the target on the fifth.
        var folds = Enumerable.Range(0, 5).Select(k =>
        {
            var (z, positive) = Cells(6_000, seed: 10 + k);
            return (positive, z.Select(v => (float)(1 / (1 + Math.Exp(-2 * v)))).ToArray());
        }).ToList();

        var result = CrossFittedCalibration.Run(1, folds, targetSensitivity: 0.97);
        var screening = result.Points.Single(p => p.Name == CrossFittedCalibration.ScreeningName);
        var balanced = result.Points.Single(p => p.Name == CrossFittedCalibration.BalancedName);

        Assert.That(result.Temperature, Is.EqualTo(2).Within(0.15), "the probabilities were over-confident by 2");
        Assert.That(result.FoldTemperatures, Has.All.EqualTo(2).Within(0.2));
        Assert.That(result.CrossFitted.Ece, Is.LessThan(result.Before.Ece));
        Assert.That(screening.Sensitivity, Is.InRange(0.96, 0.98), "held-out sensitivity near the 0.97 target");
        Assert.That(screening.InSampleSensitivity, Is.GreaterThanOrEqualTo(0.97));
        Assert.That(screening.Threshold, Is.LessThan(0.5));
        Assert.That(screening.Sensitivity, Is.GreaterThan(balanced.Sensitivity));
        Assert.That(screening.Specificity, Is.LessThan(balanced.Specificity));
    }

    [Test]
    public void FittingNeedsBothLabels()
    {
        var ex = Assert.Throws<ArgumentException>(() => TemperatureScaling.Fit([1.0, 2.0], [true, true]));
        Assert.That(ex!.Message, Does.Contain("both labels"));
    }

    [Test]
    public void TheCalibrationFileGoesIntoACardThatCoversItsViews()
    {
        var folds = Enumerable.Range(0, 3).Select(k =>
        {
            var (z, positive) = Cells(2_000, seed: 20 + k);
            return (positive, z.Select(v => (float)(1 / (1 + Math.Exp(-v)))).ToArray());
        }).ToList();
        var file = CalibrationFile.From([CrossFittedCalibration.Run(1, folds, 0.97), CrossFittedCalibration.Run(8, folds, 0.97)], "3-fold test", "screening");
        var path = Path.Combine(Path.GetTempPath(), $"calibration-{Guid.NewGuid():N}.json");
        try
        {
            file.Save(path);
            var read = CalibrationFile.Load(path);
            var card = new ModelCard { Labels = ["Parasitized", "Uninfected"], InputWidth = 64, InputHeight = 64, Properties = new Dictionary<string, string> { ["views"] = "8" } };

            read.ApplyTo(card, path);

            var parsed = ModelCard.Parse(card.ToJson());
            Assert.That(parsed.Calibration!.Select(c => c.Views), Is.EqualTo(new[] { 1, 8 }));
            Assert.That(parsed.OperatingPoints!.Select(p => (p.Name, p.Views)), Is.EquivalentTo(new[] { ("balanced", 1), ("screening", 1), ("balanced", 8), ("screening", 8) }));
            Assert.That(parsed.DefaultOperatingPoint, Is.EqualTo("screening"));
            Assert.That(parsed.OperatingPoints!.All(p => p.Source == "3-fold test"));

            var shifted = new ModelCard { Labels = ["Parasitized", "Uninfected"], Properties = new Dictionary<string, string> { ["decisionThreshold"] = "0.4" } };
            Assert.That(() => read.ApplyTo(shifted, path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("decision threshold"));
        }
        finally { File.Delete(path); }
    }
}
