namespace Malaria.Training.Evaluation;

/// <summary>What <see cref="DecisionThreshold.CrossFit"/> found on cross-validated held-out cells.</summary>
/// <param name="Threshold">The threshold chosen on all folds' cells together.</param>
/// <param name="Accuracy">Pooled accuracy at <paramref name="Threshold"/>: optimistic, the cells chose it.</param>
/// <param name="CrossFittedAccuracy">Pooled accuracy when every fold is scored at a threshold chosen on the other folds only: the honest estimate.</param>
/// <param name="FoldThresholds">The threshold each fold was scored at in the cross-fitted estimate.</param>
/// <param name="BaselineAccuracy">Pooled accuracy at 0.5, for comparison.</param>
internal sealed record ThresholdChoice(double Threshold, double Accuracy, double CrossFittedAccuracy, double[] FoldThresholds, double BaselineAccuracy);

/// <summary>
/// Chooses the probability above which a cell is called positive (Parasitized), on cells the model never trained on.
/// The networks are trained with cross-entropy (plain or label-smoothed), so 0.5 is only the right cut if new patients
/// look like the training patients; cross-validation shows the errors on new patients are lopsided (about three missed infections
/// per false alarm), which a cut chosen on held-out patients can trade. Choosing the cut on the same cells that then
/// score it flatters it, so <see cref="CrossFit"/> also scores every fold at a cut chosen without it.
/// </summary>
internal static class DecisionThreshold
{
    /// <summary>The candidate cuts: 0.05 to 0.95 in steps of 0.01 (finer steps only fit the noise of a few cells).</summary>
    public static IEnumerable<double> Grid => Enumerable.Range(5, 91).Select(i => i / 100.0);

    /// <summary>The cut on the grid with the most correct cells; ties go to the cut nearest 0.5.</summary>
    public static double Choose(IReadOnlyList<int> labels, IReadOnlyList<float> positiveProbability, int positiveIndex)
    {
        if (labels.Count != positiveProbability.Count) throw new ArgumentException("One probability per cell is needed.");
        if (labels.Count == 0) throw new ArgumentException("No cells to choose a threshold on.");
        return Grid.Select(t => (Threshold: t, Correct: Correct(labels, positiveProbability, positiveIndex, t)))
            .OrderByDescending(c => c.Correct).ThenBy(c => Math.Abs(c.Threshold - 0.5)).ThenBy(c => c.Threshold)
            .First().Threshold;
    }

    /// <summary>The cut the trainer's metrics use unless one is chosen.</summary>
    public const double Default = 0.5;

    /// <summary>Whether a cell is called right when probabilities at or above <paramref name="threshold"/> are called positive.</summary>
    public static bool IsRight(int label, float positiveProbability, int positiveIndex, double threshold = Default) =>
        (positiveProbability >= threshold) == (label == positiveIndex);

    /// <summary>Cells called correctly when those with probability at or above <paramref name="threshold"/> are called positive.</summary>
    public static int Correct(IReadOnlyList<int> labels, IReadOnlyList<float> positiveProbability, int positiveIndex, double threshold)
    {
        var correct = 0;
        for (var i = 0; i < labels.Count; i++)
            if (IsRight(labels[i], positiveProbability[i], positiveIndex, threshold)) correct++;
        return correct;
    }

    /// <summary>
    /// Chooses a cut on all folds together and estimates its worth honestly: each fold scored at the cut chosen on the
    /// other folds. <paramref name="folds"/> holds each fold's labels and positive-class probabilities.
    /// </summary>
    public static ThresholdChoice CrossFit(IReadOnlyList<(int[] Labels, float[] Probabilities)> folds, int positiveIndex)
    {
        if (folds.Count < 2) throw new ArgumentException("Cross-fitting needs at least two folds.", nameof(folds));
        int[] allLabels = [.. folds.SelectMany(f => f.Labels)];
        float[] allProbabilities = [.. folds.SelectMany(f => f.Probabilities)];
        var chosen = Choose(allLabels, allProbabilities, positiveIndex);
        var perFold = new double[folds.Count];
        var crossFittedCorrect = 0;
        for (var k = 0; k < folds.Count; k++)
        {
            var others = folds.Where((_, j) => j != k).ToList();
            perFold[k] = Choose([.. others.SelectMany(f => f.Labels)], [.. others.SelectMany(f => f.Probabilities)], positiveIndex);
            crossFittedCorrect += Correct(folds[k].Labels, folds[k].Probabilities, positiveIndex, perFold[k]);
        }
        double n = allLabels.Length;
        return new ThresholdChoice(chosen, Correct(allLabels, allProbabilities, positiveIndex, chosen) / n, crossFittedCorrect / n, perFold,
            Correct(allLabels, allProbabilities, positiveIndex, 0.5) / n);
    }
}
