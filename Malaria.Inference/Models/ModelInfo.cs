using Malaria.Inference.Decisions;

namespace Malaria.Inference.Models;

/// <summary>Describes one loaded model: where it came from, which exact bytes, and what it predicts.</summary>
public sealed class ModelInfo
{
    internal ModelInfo(string path, ModelFormat format, string version, ModelCard card, DateTimeOffset loadedAt, DecisionRule rule)
    {
        Rule = rule;
        Path = path;
        Format = format;
        Version = version;
        Card = card;
        LoadedAt = loadedAt;
    }

    /// <summary>Full path of the model file, or <c>built-in:...</c> for the model built into the package.</summary>
    public string Path { get; }

    /// <summary>Zip or ONNX.</summary>
    public ModelFormat Format { get; }

    /// <summary>The model's version: lower-case hex SHA-256 of the model's bytes followed by its card's, exactly as loaded; it changes when either changes.</summary>
    public string Version { get; }

    /// <summary>The model card (<c>model.json</c>) read beside the model.</summary>
    public ModelCard Card { get; }

    /// <summary>When this model was loaded (UTC).</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>How many views the model's scores are averaged over (1, or 8 when the averaging is inside the model).</summary>
    public int ScoredViews => Rule.Views;

    /// <summary>The temperature applied to the model's probabilities (the card's for <see cref="ScoredViews"/>; 1 without one).</summary>
    public double Temperature => Rule.Temperature;

    /// <summary>The operating point predictions are decided at (the card's default unless the classifier's options name another).</summary>
    public OperatingPoint OperatingPoint => Rule.Point;

    /// <summary>Every operating point of the model for <see cref="ScoredViews"/>; one, <c>balanced</c> at 0.5, for cards without points.</summary>
    public IReadOnlyList<OperatingPoint> OperatingPoints => Rule.Points;

    internal DecisionRule Rule { get; }

    /// <summary>Labels in score order.</summary>
    public IReadOnlyList<string> Labels => Card.Labels;

    /// <summary>Width in pixels the model resizes images to.</summary>
    public int InputWidth => Card.InputWidth;

    /// <summary>Height in pixels the model resizes images to.</summary>
    public int InputHeight => Card.InputHeight;

    /// <inheritdoc/>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} ({Format}, {Version[..12]}, labels {string.Join('/', Labels)})";
}
