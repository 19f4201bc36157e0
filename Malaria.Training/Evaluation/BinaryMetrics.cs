namespace Malaria.Training.Evaluation;

/// <summary>
/// The two-class view of a result with one label as positive (Parasitized for malaria): counts, precision, recall
/// (sensitivity), specificity, F1, and the threshold-free ROC AUC and PR AUC (average precision) over the positive
/// class's score.
/// </summary>
public sealed record BinaryMetrics(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives,
    double Precision, double Recall, double Specificity, double F1, double RocAuc, double PrAuc,
    IReadOnlyList<RocPoint> RocCurve)
{
    /// <summary>Computes the metrics from hard predictions and positive-class scores.</summary>
    /// <param name="isPositive">Truth per row.</param>
    /// <param name="predictedPositive">Prediction per row.</param>
    /// <param name="positiveScore">Score of the positive class per row (higher = more likely positive).</param>
    public static BinaryMetrics Compute(IReadOnlyList<bool> isPositive, IReadOnlyList<bool> predictedPositive, IReadOnlyList<double> positiveScore)
    {
        ArgumentNullException.ThrowIfNull(isPositive);
        if (predictedPositive.Count != isPositive.Count || positiveScore.Count != isPositive.Count)
            throw new ArgumentException("Truth, predictions and scores must have one entry per row.");
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < isPositive.Count; i++)
        {
            switch (isPositive[i], predictedPositive[i])
            {
                case (true, true): tp++; break;
                case (false, true): fp++; break;
                case (false, false): tn++; break;
                case (true, false): fn++; break;
            }
        }
        var precision = Ratio(tp, tp + fp);
        var recall = Ratio(tp, tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        var (roc, auc) = RocCurveAndArea(isPositive, positiveScore);
        return new BinaryMetrics(tp, fp, tn, fn, precision, recall, Ratio(tn, tn + fp), f1, auc,
            AveragePrecision(isPositive, positiveScore), roc);
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    /// <summary>ROC points over descending score thresholds (tied scores form one step) and the trapezoid area, which
    /// equals the probability that a random positive outscores a random negative (ties counted half).</summary>
    private static (IReadOnlyList<RocPoint> Curve, double Area) RocCurveAndArea(IReadOnlyList<bool> isPositive, IReadOnlyList<double> score)
    {
        var positives = isPositive.Count(p => p);
        var negatives = isPositive.Count - positives;
        if (positives == 0 || negatives == 0) return ([new RocPoint(0, 0, double.PositiveInfinity)], double.NaN);
        var order = Enumerable.Range(0, score.Count).OrderByDescending(i => score[i]).ToArray();
        var curve = new List<RocPoint> { new(0, 0, double.PositiveInfinity) };
        int tp = 0, fp = 0;
        var area = 0.0;
        for (var k = 0; k < order.Length;)
        {
            var threshold = score[order[k]];
            for (; k < order.Length && score[order[k]] == threshold; k++)
                if (isPositive[order[k]]) tp++; else fp++;
            var point = new RocPoint((double)fp / negatives, (double)tp / positives, threshold);
            var last = curve[^1];
            area += (point.FalsePositiveRate - last.FalsePositiveRate) * (point.TruePositiveRate + last.TruePositiveRate) / 2;
            curve.Add(point);
        }
        return (curve, area);
    }

    /// <summary>Average precision: the mean of the precision at each positive's rank (tied scores share one threshold).</summary>
    private static double AveragePrecision(IReadOnlyList<bool> isPositive, IReadOnlyList<double> score)
    {
        var positives = isPositive.Count(p => p);
        if (positives == 0) return double.NaN;
        var order = Enumerable.Range(0, score.Count).OrderByDescending(i => score[i]).ToArray();
        int tp = 0, seen = 0;
        var sum = 0.0;
        for (var k = 0; k < order.Length;)
        {
            var threshold = score[order[k]];
            var newPositives = 0;
            for (; k < order.Length && score[order[k]] == threshold; k++, seen++)
                if (isPositive[order[k]]) newPositives++;
            tp += newPositives;
            sum += newPositives * ((double)tp / seen);
        }
        return sum / positives;
    }
}
