namespace Malaria.Training.Torch;

/// <summary>
/// Binary metrics with one label as positive (Parasitized), from positive-class probabilities. Kept minimal and
/// self-contained here; the shared evaluation can replace it without changing the trainer's outputs' names.
/// </summary>
internal sealed record BinaryClassificationMetrics
{
    public double Accuracy { get; init; }
    public double Precision { get; init; }
    public double Recall { get; init; }
    public double Specificity { get; init; }
    public double F1 { get; init; }
    public double Auc { get; init; }
    public double LogLoss { get; init; }
    public int Count { get; init; }

    /// <summary>Rows are actual, columns predicted, both in <see cref="Labels"/> order.</summary>
    public int[][] ConfusionMatrix { get; init; } = [];

    public IReadOnlyList<string> Labels { get; init; } = [];

    public string PositiveLabel { get; init; } = "";

    /// <summary>Computes metrics; <paramref name="positiveProbability"/>[i] is the predicted probability that sample i is the positive label.</summary>
    public static BinaryClassificationMetrics Compute(IReadOnlyList<int> actual, IReadOnlyList<float> positiveProbability,
        IReadOnlyList<string> labels, int positiveIndex, double threshold = 0.5)
    {
        if (actual.Count != positiveProbability.Count) throw new ArgumentException("One probability per sample is needed.");
        if (labels.Count != 2) throw new ArgumentException("Binary metrics need exactly two labels.");
        long tp = 0, fp = 0, tn = 0, fn = 0;
        double logLoss = 0;
        var negativeIndex = 1 - positiveIndex;
        var matrix = new[] { new int[2], new int[2] };
        for (var i = 0; i < actual.Count; i++)
        {
            var isPositive = actual[i] == positiveIndex;
            var p = Math.Clamp(positiveProbability[i], 1e-7, 1 - 1e-7);
            var predictedPositive = positiveProbability[i] >= threshold;
            if (isPositive && predictedPositive) tp++;
            else if (isPositive) fn++;
            else if (predictedPositive) fp++;
            else tn++;
            matrix[actual[i]][predictedPositive ? positiveIndex : negativeIndex]++;
            logLoss -= isPositive ? Math.Log(p) : Math.Log(1 - p);
        }
        var n = actual.Count;
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        return new BinaryClassificationMetrics
        {
            Count = n,
            Accuracy = n == 0 ? 0 : (double)(tp + tn) / n,
            Precision = precision,
            Recall = recall,
            Specificity = tn + fp == 0 ? 0 : (double)tn / (tn + fp),
            F1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            Auc = AreaUnderRoc(actual, positiveProbability, positiveIndex),
            LogLoss = n == 0 ? 0 : logLoss / n,
            ConfusionMatrix = matrix,
            Labels = labels,
            PositiveLabel = labels[positiveIndex],
        };
    }

    /// <summary>ROC AUC as the Mann-Whitney statistic, ties counted half.</summary>
    private static double AreaUnderRoc(IReadOnlyList<int> actual, IReadOnlyList<float> score, int positiveIndex)
    {
        var order = Enumerable.Range(0, actual.Count).OrderBy(i => score[i]).ToArray();
        double rankSumPositive = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && score[order[j + 1]] == score[order[i]]) j++;
            var averageRank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (actual[order[k]] == positiveIndex) { rankSumPositive += averageRank; positives++; }
            }
            i = j + 1;
        }
        long negatives = actual.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
