namespace Malaria.Inference;

/// <summary>
/// A named decision threshold on the calibrated probability of the positive label, with the held-out sensitivity and
/// specificity measured when it was chosen. Stored in <c>model.json</c> under <c>operatingPoints</c>; the classifier
/// calls a cell positive when its calibrated P(positive) is at least <see cref="Threshold"/>.
/// </summary>
public sealed class OperatingPoint
{
    /// <summary>The point every card without operating points decides with: threshold 0.5.</summary>
    public const string Balanced = "balanced";

    /// <summary>The conventional name of the high-sensitivity point (the largest threshold reaching a target sensitivity).</summary>
    public const string Screening = "screening";

    /// <summary>The point's name (<c>balanced</c>, <c>screening</c>, ...), unique among the points of one <see cref="Views"/>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The scoring the threshold was chosen for: 1 view, or 8 views averaged.</summary>
    public int Views { get; set; } = 1;

    /// <summary>The calibrated P(positive) from which a cell is called positive; strictly between 0 and 1.</summary>
    public double Threshold { get; set; }

    /// <summary>Held-out sensitivity (recall of the positive label) at this threshold, when measured.</summary>
    public double? Sensitivity { get; set; }

    /// <summary>Held-out specificity at this threshold, when measured.</summary>
    public double? Specificity { get; set; }

    /// <summary>Where the figures come from (e.g. <c>5-fold patient cross-validation</c>).</summary>
    public string? Source { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Views} view{(Views == 1 ? "" : "s")}, threshold {Threshold:0.####})";
}
