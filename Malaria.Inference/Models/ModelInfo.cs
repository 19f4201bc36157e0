using Malaria.Inference.Decisions;

namespace Malaria.Inference.Models;

/// <summary>Describes one loaded model: where it came from, which exact bytes, and what it predicts.</summary>
public sealed class ModelInfo
{
    private readonly IReadOnlyDictionary<int, DecisionRule> _rules;

    internal ModelInfo(string path, ModelFormat format, string version, ModelCard card, DateTimeOffset loadedAt,
        IReadOnlyDictionary<int, DecisionRule> rules, int defaultScoredViews)
    {
        _rules = rules;
        Rule = rules[defaultScoredViews];
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

    /// <summary>
    /// How many views predictions are scored with unless a call asks for others: the classifier's
    /// <see cref="MalariaClassifierOptions.Views"/>, or 8 when the averaging is inside the model.
    /// </summary>
    public int ScoredViews => Rule.Views;

    /// <summary>The temperature applied to the model's probabilities (the card's for <see cref="ScoredViews"/>; 1 without one).</summary>
    public double Temperature => Rule.Temperature;

    /// <summary>The operating point predictions are decided at (the card's default unless the classifier's options name another).</summary>
    public OperatingPoint OperatingPoint => Rule.Point;

    /// <summary>Every operating point of the model for <see cref="ScoredViews"/>; one, <c>balanced</c> at 0.5, for cards without points.</summary>
    public IReadOnlyList<OperatingPoint> OperatingPoints => Rule.Points;

    /// <summary>The rule for <see cref="ScoredViews"/>.</summary>
    internal DecisionRule Rule { get; }

    /// <summary>The rule for scores averaged over <paramref name="scoredViews"/> views.</summary>
    /// <exception cref="InvalidOperationException">The model card has no calibration or operating point for them.</exception>
    internal DecisionRule RuleFor(int scoredViews) =>
        _rules.TryGetValue(scoredViews, out var rule) ? rule
            : throw new InvalidOperationException($"Model '{Path}' cannot be scored with {scoredViews} view(s): its card calibrates or decides {string.Join(" and ", _rules.Keys.Order().Select(v => $"{v}-view"))} scores only.");

    /// <summary>Labels in score order.</summary>
    public IReadOnlyList<string> Labels => Card.Labels;

    /// <summary>Width in pixels the model resizes images to.</summary>
    public int InputWidth => Card.InputWidth;

    /// <summary>Height in pixels the model resizes images to.</summary>
    public int InputHeight => Card.InputHeight;

    /// <summary>
    /// How many views a prediction asking for <paramref name="requested"/> is scored with: the graph's own when it
    /// averages views itself (nothing is added on top), else the requested ones. This is the number a prediction
    /// reports (<see cref="CellPrediction.ScoredViews"/>).
    /// </summary>
    internal int ScoredViewsFor(ScoringViews requested) => ScoredViewsFor(Card, requested);

    /// <inheritdoc cref="ScoredViewsFor(ScoringViews)"/>
    internal static int ScoredViewsFor(ModelCard card, ScoringViews requested) => card.ViewsInGraph > 1 ? card.ViewsInGraph : (int)requested;

    /// <summary>How many views the library itself builds and averages: 1 when the graph already averages them.</summary>
    internal int ViewsToApply(ScoringViews requested) => Card.ViewsInGraph > 1 ? 1 : (int)requested;

    /// <inheritdoc/>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} ({Format}, {Version[..12]}, labels {string.Join('/', Labels)})";
}
