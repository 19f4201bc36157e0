namespace Malaria.Inference;

/// <summary>The classification of one cell image.</summary>
public sealed class CellPrediction
{
    private readonly float[] _scores;
    private IReadOnlyDictionary<string, float>? _byLabel;

    internal CellPrediction(IReadOnlyList<string> labels, string positiveLabel, float[] scores, string modelVersion, Imaging.InputWarnings inputWarnings = Imaging.InputWarnings.None,
        int scoredViews = 1)
    {
        ScoredViews = scoredViews;
        InputWarnings = inputWarnings;
        _scores = scores;
        Labels = labels;
        ModelVersion = modelVersion;
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        Label = labels[best];
        Confidence = scores[best];
        IsParasitized = string.Equals(Label, positiveLabel, StringComparison.Ordinal);
    }

    /// <summary>The most probable label (ties go to the first in label order).</summary>
    public string Label { get; }

    /// <summary>True when <see cref="Label"/> is the model's positive label (<c>Parasitized</c>).</summary>
    public bool IsParasitized { get; }

    /// <summary>The probability of <see cref="Label"/>, 0..1.</summary>
    public float Confidence { get; }

    /// <summary>The labels, in the order of <see cref="ScoreVector"/>.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>One probability per label, in <see cref="Labels"/> order.</summary>
    public IReadOnlyList<float> ScoreVector => _scores;

    /// <summary>The probability of every label, by label.</summary>
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
