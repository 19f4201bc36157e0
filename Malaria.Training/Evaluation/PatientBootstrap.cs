namespace Malaria.Training.Evaluation;

/// <summary>
/// Percentile bootstrap intervals for accuracy, precision, recall, specificity, F1 and ROC AUC that resample whole
/// groups (patients) with replacement. Why groups: the cells of one patient share a slide, a stain and a reader, so their
/// errors come together (one test patient can hold a third of all errors). Resampling cells as if they were independent
/// gives intervals far too narrow for what the number claims: how the model does on new patients. With a handful of test
/// patients the interval is wide, and that is the honest answer. When every row comes from one group, rows are resampled.
/// </summary>
public static class PatientBootstrap
{
    /// <summary>Resamples drawn unless told otherwise.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>The seed unless told otherwise: the same scores give the same intervals on every run.</summary>
    public const int DefaultSeed = 1;

    /// <summary>Two-sided coverage.</summary>
    public const double Level = 0.95;

    /// <summary>
    /// Intervals for <paramref name="set"/>, scored with <paramref name="positiveIndex"/> as the positive label;
    /// <paramref name="groups"/> names each row's group (null: every row its own unit).
    /// </summary>
    public static ConfidenceIntervals Compute(ScoredSet set, int positiveIndex, IReadOnlyList<string>? groups,
        int resamples = DefaultResamples, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(set);
        var predictedIndex = Enumerable.Range(0, set.Count).Select(set.Predicted).ToArray();
        return Compute(
            [.. predictedIndex.Select((p, row) => p == set.Truth[row])],
            [.. set.Truth.Select(t => t == positiveIndex)],
            [.. predictedIndex.Select(p => p == positiveIndex)],
            [.. set.Scores.Select(s => (double)s[positiveIndex])],
            groups, resamples, seed);
    }

    /// <summary>
    /// Intervals from per-row facts: whether the row was classified right (over all labels), whether it is positive,
    /// whether it was called positive, and its positive-class score.
    /// </summary>
    public static ConfidenceIntervals Compute(IReadOnlyList<bool> correct, IReadOnlyList<bool> isPositive, IReadOnlyList<bool> predictedPositive,
        IReadOnlyList<double> positiveScore, IReadOnlyList<string>? groups, int resamples = DefaultResamples, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var rows = correct.Count;
        if (isPositive.Count != rows || predictedPositive.Count != rows || positiveScore.Count != rows)
            throw new ArgumentException("Correctness, truth, predictions and scores must have one entry per row.");
        if (groups is not null && groups.Count != rows)
            throw new ArgumentException($"{groups.Count} group names for {rows} rows.", nameof(groups));
        var (units, unit) = Units(rows, groups);

        var samples = new Dictionary<string, List<double>>
        {
            ["accuracy"] = [], ["precision"] = [], ["recall"] = [], ["specificity"] = [], ["f1"] = [], ["auc"] = [],
        };
        var random = new Random(seed);
        var truth = new List<bool>(rows);
        var predicted = new List<bool>(rows);
        var score = new List<double>(rows);
        for (var r = 0; r < resamples; r++)
        {
            truth.Clear(); predicted.Clear(); score.Clear();
            var right = 0;
            for (var u = 0; u < units.Count; u++)
            {
                foreach (var row in units[random.Next(units.Count)])
                {
                    if (correct[row]) right++;
                    truth.Add(isPositive[row]);
                    predicted.Add(predictedPositive[row]);
                    score.Add(positiveScore[row]);
                }
            }
            var m = BinaryMetrics.Compute(truth, predicted, score);
            samples["accuracy"].Add((double)right / truth.Count);
            // A resample without a case of a ratio's denominator has no value for it: left out, not counted as 0.
            if (m.TruePositives + m.FalsePositives > 0) samples["precision"].Add(m.Precision);
            if (m.TruePositives + m.FalseNegatives > 0) samples["recall"].Add(m.Recall);
            if (m.TrueNegatives + m.FalsePositives > 0) samples["specificity"].Add(m.Specificity);
            if (m.TruePositives > 0) samples["f1"].Add(m.F1);
            if (!double.IsNaN(m.RocAuc)) samples["auc"].Add(m.RocAuc);
        }
        var metrics = samples.Where(kv => kv.Value.Count > 0)
            .ToDictionary(kv => kv.Key, kv => PercentileInterval(kv.Value));
        return new ConfidenceIntervals(unit, units.Count, resamples, Level, seed, metrics);
    }

    /// <summary>
    /// What one draw resamples: the rows of each group (<c>group</c>), groups in ordinal order of their names so that the
    /// draw does not depend on row order; or each row alone (<c>image</c>) when there are no groups or only one.
    /// </summary>
    internal static (List<int[]> Units, string Unit) Units(int rows, IReadOnlyList<string>? groups)
    {
        var byGroup = groups is null ? null
            : Enumerable.Range(0, rows).GroupBy(row => groups[row], StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray()).ToList();
        return byGroup is { Count: > 1 } ? (byGroup, "group") : ([.. Enumerable.Range(0, rows).Select(row => new[] { row })], "image");
    }

    /// <summary>The central <see cref="Level"/> share of <paramref name="values"/> (sorted in place).</summary>
    internal static Interval PercentileInterval(List<double> values)
    {
        values.Sort();
        var tail = (1 - Level) / 2;
        return new Interval(Quantile(values, tail), Quantile(values, 1 - tail));
    }

    // Linear interpolation between the order statistics around q * (n - 1).
    private static double Quantile(List<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
