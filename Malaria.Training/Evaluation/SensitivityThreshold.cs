namespace Malaria.Training.Evaluation;

/// <summary>Sensitivity and specificity when cells with P(positive) at or above a threshold are called positive.</summary>
internal sealed record ThresholdRates(double Threshold, double Sensitivity, double Specificity, int Positives, int Negatives);

/// <summary>
/// The screening threshold: the largest threshold that still calls at least a target share of the positive cells
/// positive. The largest, because every lower threshold only adds false alarms once the target is met.
/// </summary>
internal static class SensitivityThreshold
{
    /// <summary>Thresholds are kept strictly inside (0, 1), as model cards require.</summary>
    public const double Margin = 1e-6;

    /// <summary>The largest threshold whose sensitivity on these cells is at least <paramref name="targetSensitivity"/>.</summary>
    public static double Choose(IReadOnlyList<double> probability, IReadOnlyList<bool> positive, double targetSensitivity)
    {
        if (!(targetSensitivity > 0 && targetSensitivity <= 1)) throw new ArgumentOutOfRangeException(nameof(targetSensitivity), targetSensitivity, "must be in (0, 1]");
        if (probability.Count != positive.Count) throw new ArgumentException($"{probability.Count} probabilities but {positive.Count} labels.");
        var positives = probability.Where((_, i) => positive[i]).OrderByDescending(p => p).ToArray();
        if (positives.Length == 0) throw new ArgumentException("No positive cells to reach a sensitivity on.");
        // The k-th largest positive probability: calling from it up catches k positives, and any larger cut fewer.
        var k = (int)Math.Ceiling(targetSensitivity * positives.Length - 1e-9);
        return Math.Clamp(positives[Math.Max(k, 1) - 1], Margin, 1 - Margin);
    }

    public static ThresholdRates Rates(IReadOnlyList<double> probability, IReadOnlyList<bool> positive, double threshold)
    {
        if (probability.Count != positive.Count) throw new ArgumentException($"{probability.Count} probabilities but {positive.Count} labels.");
        int tp = 0, p = 0, tn = 0, n = 0;
        for (var i = 0; i < probability.Count; i++)
        {
            var called = probability[i] >= threshold;
            if (positive[i]) { p++; if (called) tp++; }
            else { n++; if (!called) tn++; }
        }
        return new ThresholdRates(threshold, p == 0 ? double.NaN : (double)tp / p, n == 0 ? double.NaN : (double)tn / n, p, n);
    }
}
