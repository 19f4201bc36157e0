namespace Malaria.Training.Evaluation;

/// <summary>
/// Temperature scaling (Guo et al., 2017, "On Calibration of Modern Neural Networks"): one parameter T divides the
/// logit, P = sigmoid(logit / T). It is fitted by minimising the negative log-likelihood of held-out cells. One
/// parameter cannot overfit a few thousand cells, and dividing by a positive number keeps the order of the cells, so
/// the ROC curve, the AUC and the 0.5 cut (logit 0) are unchanged: only what the probabilities claim moves.
/// </summary>
internal static class TemperatureScaling
{
    /// <summary>The search range of T: far beyond any temperature a trained network needs.</summary>
    public const double MinTemperature = 0.05, MaxTemperature = 20;

    /// <summary>
    /// Probabilities are stored as float: 1 - 1e-7 is about the closest to 1 a float distinguishes, so logits are
    /// bounded to +-16.1 instead of becoming infinite.
    /// </summary>
    public const double ProbabilityBound = 1e-7;

    /// <summary>ln(p / (1 - p)) of a probability, with p kept within [<see cref="ProbabilityBound"/>, 1 - bound].</summary>
    public static double Logit(double probability)
    {
        if (double.IsNaN(probability)) throw new ArgumentException("A probability is NaN.", nameof(probability));
        var p = Math.Clamp(probability, ProbabilityBound, 1 - ProbabilityBound);
        return Math.Log(p / (1 - p));
    }

    /// <summary>sigmoid(logit / T).</summary>
    public static double Apply(double logit, double temperature) => 1 / (1 + Math.Exp(-logit / temperature));

    /// <summary>The calibrated probabilities of <paramref name="logits"/> at <paramref name="temperature"/>.</summary>
    public static double[] Apply(IReadOnlyList<double> logits, double temperature) => [.. logits.Select(z => Apply(z, temperature))];

    /// <summary>Mean negative log-likelihood of the labels under sigmoid(logit / T), computed stably from the logit.</summary>
    public static double NegativeLogLikelihood(IReadOnlyList<double> logits, IReadOnlyList<bool> positive, double temperature)
    {
        var sum = 0.0;
        for (var i = 0; i < logits.Count; i++)
        {
            // -log sigmoid(s) = softplus(-s), with s the signed scaled logit (positive when it points at the true label).
            var s = (positive[i] ? 1 : -1) * logits[i] / temperature;
            sum += s > 0 ? double.LogP1(Math.Exp(-s)) : -s + double.LogP1(Math.Exp(s));
        }
        return sum / logits.Count;
    }

    /// <summary>
    /// The temperature with the least negative log-likelihood, by golden-section search on log T over
    /// [<see cref="MinTemperature"/>, <see cref="MaxTemperature"/>]: the likelihood is convex in 1/T, so it has one
    /// minimum along log T, and the search is deterministic. Needs both labels among the cells.
    /// </summary>
    public static double Fit(IReadOnlyList<double> logits, IReadOnlyList<bool> positive)
    {
        if (logits.Count != positive.Count) throw new ArgumentException($"{logits.Count} logits but {positive.Count} labels.");
        if (logits.Count == 0) throw new ArgumentException("No cells to fit a temperature on.");
        if (positive.All(p => p) || positive.All(p => !p)) throw new ArgumentException("A temperature is fitted on cells of both labels; all cells have one label.");
        if (logits.Any(z => !double.IsFinite(z))) throw new ArgumentException("A logit is not finite.");
        double Loss(double logT) => NegativeLogLikelihood(logits, positive, Math.Exp(logT));
        var inverseGolden = (Math.Sqrt(5) - 1) / 2;
        double a = Math.Log(MinTemperature), b = Math.Log(MaxTemperature);
        double c = b - inverseGolden * (b - a), d = a + inverseGolden * (b - a);
        double fc = Loss(c), fd = Loss(d);
        while (b - a > 1e-6)
        {
            if (fc <= fd) { b = d; d = c; fd = fc; c = b - inverseGolden * (b - a); fc = Loss(c); }
            else { a = c; c = d; fc = fd; d = a + inverseGolden * (b - a); fd = Loss(d); }
        }
        return Math.Exp((a + b) / 2);
    }
}
