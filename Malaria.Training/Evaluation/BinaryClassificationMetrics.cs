namespace Malaria.Training.Evaluation;

/// <summary>
/// The trainer's per-epoch view of binary metrics with one label as positive (Parasitized), from positive-class
/// probabilities; built on the shared <see cref="Evaluation.BinaryMetrics"/>.
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
        // Counts, precision, recall, specificity, F1 and ROC AUC come from the shared evaluation; this record adds the
        // per-epoch log-loss and the confusion matrix in label order that history.csv and checkpoints keep.
        var isPositive = actual.Select(a => a == positiveIndex).ToList();
        var predictedPositive = positiveProbability.Select(p => p >= threshold).ToList();
        var binary = Evaluation.BinaryMetrics.Compute(isPositive, predictedPositive, positiveProbability.Select(p => (double)p).ToList());
        var negativeIndex = 1 - positiveIndex;
        var matrix = new[] { new int[2], new int[2] };
        double logLoss = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            var p = Math.Clamp(positiveProbability[i], 1e-7, 1 - 1e-7);
            matrix[actual[i]][predictedPositive[i] ? positiveIndex : negativeIndex]++;
            logLoss -= isPositive[i] ? Math.Log(p) : Math.Log(1 - p);
        }
        var n = actual.Count;
        return new BinaryClassificationMetrics
        {
            Count = n,
            Accuracy = n == 0 ? 0 : (double)(binary.TruePositives + binary.TrueNegatives) / n,
            Precision = binary.Precision,
            Recall = binary.Recall,
            Specificity = binary.Specificity,
            F1 = binary.F1,
            Auc = binary.RocAuc,
            LogLoss = n == 0 ? 0 : logLoss / n,
            ConfusionMatrix = matrix,
            Labels = labels,
            PositiveLabel = labels[positiveIndex],
        };
    }
}
