using Malaria.Training.Evaluation;

namespace Malaria.Training.Robustness;

/// <summary>The scores of the whole set under one shift at one severity (or clean: shift <see cref="Clean"/>, severity 0).</summary>
/// <param name="Shift">The shift's name, or <see cref="Clean"/>.</param>
/// <param name="Family">The shift's family, or <see cref="Clean"/>.</param>
/// <param name="Severity">1 to 3; 0 for the clean set.</param>
/// <param name="Parameters">The severity's parameters in words (empty for the clean set).</param>
/// <param name="Metrics">Counts, recall, specificity and ROC AUC with the positive label positive.</param>
public sealed record RobustnessRow(string Shift, string Family, int Severity, string Parameters, BinaryMetrics Metrics)
{
    /// <summary>The name of the unshifted row.</summary>
    public const string Clean = "clean";

    /// <summary>Number of cells scored.</summary>
    public int Cells => Metrics.TruePositives + Metrics.FalsePositives + Metrics.TrueNegatives + Metrics.FalseNegatives;

    /// <summary>Share of cells called correctly.</summary>
    public double Accuracy => Cells == 0 ? 0 : (double)(Metrics.TruePositives + Metrics.TrueNegatives) / Cells;
}
