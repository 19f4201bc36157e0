namespace Malaria.Training.Evaluation;

/// <summary>An evaluation at one of the model's operating points (a threshold on the calibrated P(positive)).</summary>
/// <param name="Name">The point's name.</param>
/// <param name="Threshold">Its threshold.</param>
/// <param name="Accuracy">Share of images right at this threshold.</param>
/// <param name="Sensitivity">Positives called positive.</param>
/// <param name="Specificity">Negatives called negative.</param>
/// <param name="Precision">Positive calls that are positive (NaN with no positive call).</param>
/// <param name="TruePositives">Counts.</param>
/// <param name="FalsePositives">Counts.</param>
/// <param name="TrueNegatives">Counts.</param>
/// <param name="FalseNegatives">Counts.</param>
/// <param name="IsDefault">Whether the model decides at this point unless told otherwise.</param>
public sealed record OperatingPointResult(string Name, double Threshold, double Accuracy, double Sensitivity, double Specificity, double Precision,
    int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives, bool IsDefault)
{
    /// <summary>The figures of calling images with calibrated P(positive) at or above <paramref name="threshold"/> positive.</summary>
    public static OperatingPointResult Measure(string name, double threshold, IReadOnlyList<double> probability, IReadOnlyList<bool> positive, bool isDefault)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < probability.Count; i++)
        {
            var called = probability[i] >= threshold;
            if (positive[i]) { if (called) tp++; else fn++; }
            else if (called) fp++;
            else tn++;
        }
        static double Ratio(int a, int b) => b == 0 ? double.NaN : (double)a / b;
        return new OperatingPointResult(name, threshold, Ratio(tp + tn, probability.Count), Ratio(tp, tp + fn), Ratio(tn, tn + fp), Ratio(tp, tp + fp),
            tp, fp, tn, fn, isDefault);
    }
}

/// <summary>How calibrated an evaluation's probabilities were (expected calibration error on <see cref="CalibrationMetrics.Bins"/> bins of P(positive)).</summary>
/// <param name="Temperature">The card's temperature for the views scored (1: none).</param>
/// <param name="Before">The model's own probabilities.</param>
/// <param name="After">After the temperature: what the library reports. The same as <paramref name="Before"/> at temperature 1.</param>
/// <param name="EceBins">How the ECE was binned.</param>
public sealed record CalibrationSummary(double Temperature, CalibrationFiguresResult Before, CalibrationFiguresResult After, string EceBins);

/// <summary>ECE, log-loss and Brier score of one set of probabilities.</summary>
public sealed record CalibrationFiguresResult(double Ece, double LogLoss, double Brier);
