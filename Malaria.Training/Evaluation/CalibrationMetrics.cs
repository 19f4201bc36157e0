namespace Malaria.Training.Evaluation;

/// <summary>How well probabilities match frequencies on a set of cells.</summary>
/// <param name="Ece">Expected calibration error over <see cref="CalibrationMetrics.Bins"/> equal-width bins of P(positive).</param>
/// <param name="LogLoss">Mean negative log-likelihood (natural log).</param>
/// <param name="Brier">Mean squared difference between P(positive) and the label (0 or 1).</param>
internal sealed record CalibrationFigures(double Ece, double LogLoss, double Brier);

/// <summary>One bin of a reliability diagram: the cells whose P(positive) fell in [Lower, Upper).</summary>
internal sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanProbability, double PositiveRate);

/// <summary>
/// Calibration measures of P(positive). The bins are on P(Parasitized) itself over [0, 1], not on the predicted
/// label's confidence: the operating points threshold P(Parasitized), so that is the probability whose reliability
/// matters, and a screening threshold far below 0.5 relies on the low bins the confidence form would fold away.
/// </summary>
internal static class CalibrationMetrics
{
    /// <summary>The number of equal-width bins (Guo et al. use 15).</summary>
    public const int Bins = 15;

    public static CalibrationFigures Compute(IReadOnlyList<double> probability, IReadOnlyList<bool> positive)
    {
        Check(probability, positive);
        var n = probability.Count;
        var ece = Reliability(probability, positive).Sum(b => (double)b.Count / n * Math.Abs(b.MeanProbability - b.PositiveRate));
        double logLoss = 0, brier = 0;
        for (var i = 0; i < n; i++)
        {
            var p = Math.Clamp(probability[i], TemperatureScaling.ProbabilityBound, 1 - TemperatureScaling.ProbabilityBound);
            logLoss -= positive[i] ? Math.Log(p) : Math.Log(1 - p);
            var error = probability[i] - (positive[i] ? 1 : 0);
            brier += error * error;
        }
        return new CalibrationFigures(ece, logLoss / n, brier / n);
    }

    /// <summary>The non-empty bins of <see cref="Bins"/> equal-width bins of P(positive); 1.0 falls in the last bin.</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> probability, IReadOnlyList<bool> positive, int bins = Bins)
    {
        Check(probability, positive);
        var count = new int[bins];
        var sumP = new double[bins];
        var hits = new int[bins];
        for (var i = 0; i < probability.Count; i++)
        {
            var b = Math.Min((int)(probability[i] * bins), bins - 1);
            count[b]++;
            sumP[b] += probability[i];
            if (positive[i]) hits[b]++;
        }
        return [.. Enumerable.Range(0, bins).Where(b => count[b] > 0)
            .Select(b => new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, count[b], sumP[b] / count[b], (double)hits[b] / count[b]))];
    }

    private static void Check(IReadOnlyList<double> probability, IReadOnlyList<bool> positive)
    {
        if (probability.Count != positive.Count) throw new ArgumentException($"{probability.Count} probabilities but {positive.Count} labels.");
        if (probability.Count == 0) throw new ArgumentException("No cells to measure calibration on.");
        for (var i = 0; i < probability.Count; i++)
            if (!(probability[i] >= 0 && probability[i] <= 1)) throw new ArgumentException($"Probability {i} is {probability[i]}, not in [0, 1].");
    }
}
