using Malaria.Inference.Decisions;

namespace Malaria.Inference;

/// <summary>
/// The classification of one cell image: calibrated probabilities (the model card's temperature applied) and the
/// label an operating point's threshold gives them.
/// </summary>
public sealed class CellPrediction
{
    private readonly float[] _scores;
    private readonly DecisionRule _rule;
    private IReadOnlyDictionary<string, float>? _byLabel;

    internal CellPrediction(DecisionRule rule, float[] calibratedScores, string modelVersion, Imaging.InputWarnings inputWarnings = Imaging.InputWarnings.None)
    {
        _rule = rule;
        ScoredViews = rule.Views;
        InputWarnings = inputWarnings;
        _scores = calibratedScores;
        Labels = rule.Card.Labels;
        ModelVersion = modelVersion;
        var decided = rule.Decide(calibratedScores);
        Label = Labels[decided];
        Confidence = calibratedScores[decided];
        IsParasitized = decided == rule.PositiveIndex;
    }

    /// <summary>Calibrates raw model scores and decides them with <paramref name="rule"/>.</summary>
    internal static CellPrediction FromModelScores(DecisionRule rule, float[] scores, string modelVersion, Imaging.InputWarnings inputWarnings) =>
        new(rule, rule.Calibrate(scores), modelVersion, inputWarnings);

    /// <summary>
    /// The label decided at <see cref="OperatingPoint"/>: the positive label when its calibrated probability reaches
    /// <see cref="Threshold"/>, else the most probable other label. With a model card without operating points, the
    /// most probable label (ties go to the first in label order).
    /// </summary>
    public string Label { get; }

    /// <summary>True when <see cref="Label"/> is the model's positive label (<c>Parasitized</c>).</summary>
    public bool IsParasitized { get; }

    /// <summary>
    /// The calibrated probability of <see cref="Label"/>, 0..1. At an operating point other than 0.5 it can be below
    /// 0.5: a screening point calls a cell Parasitized from a low probability on purpose.
    /// </summary>
    public float Confidence { get; }

    /// <summary>The name of the operating point that decided <see cref="Label"/> (<c>balanced</c> for cards without points).</summary>
    public string OperatingPoint => _rule.Point.Name;

    /// <summary>The calibrated P(positive) from which <see cref="OperatingPoint"/> calls a cell positive.</summary>
    public double Threshold => _rule.Point.Threshold;

    /// <summary>
    /// The same scores decided at another of the model's operating points (see <see cref="Models.ModelInfo.OperatingPoints"/>);
    /// the probabilities do not change, only the label may.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no operating point of that name.</exception>
    public CellPrediction AtOperatingPoint(string operatingPoint) =>
        string.Equals(operatingPoint, OperatingPoint, StringComparison.Ordinal) ? this : new(_rule.At(operatingPoint), _scores, ModelVersion, InputWarnings);

    /// <summary>The labels, in the order of <see cref="ScoreVector"/>.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>One calibrated probability per label, in <see cref="Labels"/> order.</summary>
    public IReadOnlyList<float> ScoreVector => _scores;

    /// <summary>The calibrated probability of every label, by label.</summary>
    public IReadOnlyDictionary<string, float> Scores =>
        _byLabel ??= Labels.Select((label, i) => KeyValuePair.Create(label, _scores[i])).ToDictionary(StringComparer.Ordinal);

    /// <summary>
    /// How the input differs from the crops the model was trained on (<see cref="Imaging.InputWarnings.None"/> when
    /// it looks like them). Any warning means the confidence overstates how sure the prediction is.
    /// </summary>
    public Imaging.InputWarnings InputWarnings { get; }

    /// <summary>
    /// How many views of the image the scores average: 1, or 8 (<see cref="ScoringViews.Dihedral"/>, asked for or
    /// built into the model's graph).
    /// </summary>
    public int ScoredViews { get; }

    /// <summary>The version of the model that produced this prediction (see <see cref="Models.ModelInfo.Version"/>).</summary>
    public string ModelVersion { get; }

    /// <summary>The probability of one label.</summary>
    /// <exception cref="KeyNotFoundException">The model has no such label.</exception>
    public float ScoreOf(string label)
    {
        for (var i = 0; i < Labels.Count; i++)
            if (string.Equals(Labels[i], label, StringComparison.Ordinal)) return _scores[i];
        throw new KeyNotFoundException($"The model has no label '{label}'; its labels are {string.Join(", ", Labels)}.");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Label} ({Confidence:P1})";
}
