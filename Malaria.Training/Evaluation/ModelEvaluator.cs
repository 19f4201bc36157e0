using Microsoft.ML;
using Microsoft.ML.Data;

namespace Malaria.Training.Evaluation;

/// <summary>
/// Measures a scored set: ML.NET's <c>MulticlassClassification.Evaluate</c> (accuracy, log-loss, confusion matrix)
/// plus <see cref="BinaryMetrics"/> with one label as positive, and <see cref="PatientBootstrap"/> intervals.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Evaluates <paramref name="set"/>; <paramref name="positiveLabel"/> must be one of its labels.
    /// <paramref name="groups"/> names each row's group (patient) for the intervals; null when unknown.</summary>
    public static EvaluationResult Evaluate(MLContext mlContext, ScoredSet set, string positiveLabel, string part,
        IReadOnlyList<string>? groups = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(set);
        if (set.Count == 0) throw new InvalidDataException($"The {part} part has no rows to evaluate.");
        var positive = set.Labels.ToList().IndexOf(positiveLabel);
        if (positive < 0) throw new InvalidDataException($"Positive label '{positiveLabel}' is not one of {string.Join(", ", set.Labels)}.");

        var metrics = mlContext.MulticlassClassification.Evaluate(ToDataView(mlContext, set), "Label", "Score", "PredictedLabel");
        var predicted = Enumerable.Range(0, set.Count).Select(set.Predicted).ToArray();
        var binary = BinaryMetrics.Compute(
            set.Truth.Select(t => t == positive).ToArray(),
            predicted.Select(p => p == positive).ToArray(),
            set.Scores.Select(s => (double)s[positive]).ToArray());

        var matrix = metrics.ConfusionMatrix;
        return new EvaluationResult
        {
            Part = part,
            Rows = set.Count,
            Labels = set.Labels,
            PositiveLabel = positiveLabel,
            Accuracy = metrics.MicroAccuracy,
            MacroAccuracy = metrics.MacroAccuracy,
            LogLoss = metrics.LogLoss,
            LogLossReduction = metrics.LogLossReduction,
            PerClassLogLoss = set.Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => metrics.PerClassLogLoss[p.i]),
            Precision = binary.Precision,
            Recall = binary.Recall,
            Specificity = binary.Specificity,
            F1 = binary.F1,
            Auc = binary.RocAuc,
            PrAuc = binary.PrAuc,
            TruePositives = binary.TruePositives,
            FalsePositives = binary.FalsePositives,
            TrueNegatives = binary.TrueNegatives,
            FalseNegatives = binary.FalseNegatives,
            ConfusionMatrix = [.. Enumerable.Range(0, set.Labels.Count)
                .Select(t => (IReadOnlyList<int>)[.. Enumerable.Range(0, set.Labels.Count).Select(p => (int)matrix.Counts[t][p])])],
            RocCurve = binary.RocCurve,
            Intervals = PatientBootstrap.Compute(set, positive, groups),
        };
    }

    // ML.NET's evaluator reads key-typed label and prediction columns and a fixed-size score vector. A key member
    // loaded from a class holds the 0-based index (ML.NET adds the 1 of its key representation itself).
    private static IDataView ToDataView(MLContext mlContext, ScoredSet set)
    {
        var rows = Enumerable.Range(0, set.Count).Select(i => new Row
        {
            Label = (uint)set.Truth[i],
            Score = set.Scores[i],
            PredictedLabel = (uint)set.Predicted(i),
        });
        var definition = SchemaDefinition.Create(typeof(Row));
        var key = new KeyDataViewType(typeof(uint), set.Labels.Count);
        definition[nameof(Row.Label)].ColumnType = key;
        definition[nameof(Row.PredictedLabel)].ColumnType = key;
        definition[nameof(Row.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, set.Labels.Count);
        return mlContext.Data.LoadFromEnumerable(rows, definition);
    }

    private sealed class Row
    {
        public uint Label { get; set; }
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}
