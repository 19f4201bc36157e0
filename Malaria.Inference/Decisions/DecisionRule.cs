namespace Malaria.Inference.Decisions;

/// <summary>
/// How a model's scores become a prediction: the card's temperature for the views scored, then the calibrated
/// P(positive) against one operating point's threshold. Resolved once per loaded model and operating point, so an
/// unknown point or a card that does not cover the views fails at load, not on the first image.
/// </summary>
internal sealed class DecisionRule
{
    private DecisionRule(ModelCard card, int views, double temperature, OperatingPoint point, IReadOnlyList<OperatingPoint> points, bool fromCard)
    {
        Card = card;
        Views = views;
        Temperature = temperature;
        Point = point;
        Points = points;
        ThresholdFromCard = fromCard;
        PositiveIndex = IndexOf(card.Labels, card.PositiveLabel);
    }

    public ModelCard Card { get; }

    /// <summary>The views the scores are averaged over.</summary>
    public int Views { get; }

    /// <summary>The calibration temperature (1 when the card has none).</summary>
    public double Temperature { get; }

    /// <summary>The operating point deciding.</summary>
    public OperatingPoint Point { get; }

    /// <summary>Every operating point for <see cref="Views"/>.</summary>
    public IReadOnlyList<OperatingPoint> Points { get; }

    /// <summary>
    /// False for a card without operating points: the most probable label decides, exactly as before cards had
    /// points (threshold 0.5 for two labels, up to ties).
    /// </summary>
    public bool ThresholdFromCard { get; }

    public int PositiveIndex { get; }

    /// <summary>The rule of <paramref name="card"/> for <paramref name="views"/> and the named point (null: the card's default).</summary>
    /// <exception cref="InvalidDataException">The card does not cover these views, or has no such point.</exception>
    public static DecisionRule Resolve(ModelCard card, int views, string? operatingPoint)
    {
        var temperature = 1.0;
        if (card.Calibration is { Count: > 0 } calibration)
        {
            var entry = calibration.FirstOrDefault(c => c.Views == views)
                ?? throw new InvalidDataException($"The model card calibrates {string.Join(" and ", calibration.Select(c => $"{c.Views}-view"))} scores, but the model scores with {views} view(s).");
            temperature = entry.Temperature;
        }
        var fromCard = card.OperatingPoints is { Count: > 0 };
        IReadOnlyList<OperatingPoint> points = fromCard
            ? [.. card.OperatingPoints!.Where(p => p.Views == views)]
            : [new OperatingPoint { Name = OperatingPoint.Balanced, Views = views, Threshold = 0.5 }];
        if (points.Count == 0)
            throw new InvalidDataException($"The model card has operating points for {string.Join(" and ", card.OperatingPoints!.Select(p => p.Views).Distinct().Select(v => $"{v}-view"))} scores, but the model scores with {views} view(s).");
        var name = operatingPoint ?? card.DefaultOperatingPoint ?? OperatingPoint.Balanced;
        var point = points.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))
            ?? throw new InvalidDataException($"The model has no operating point '{name}' for {views}-view scores; it has {string.Join(", ", points.Select(p => p.Name))}.");
        return new DecisionRule(card, views, temperature, point, points, fromCard);
    }

    /// <summary>
    /// The rules of <paramref name="card"/> for every views count the model can be scored with (the graph's own when it
    /// averages views itself, else 1 and 8), keyed by views. The rule for <paramref name="defaultViews"/> must resolve
    /// (its failure is thrown); another is left out when the card does not cover it, and a call asking for those views
    /// fails then (<see cref="Models.ModelInfo.RuleFor"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The card does not cover <paramref name="defaultViews"/>, or has no such point for them.</exception>
    public static IReadOnlyDictionary<int, DecisionRule> ResolveAll(ModelCard card, int defaultViews, string? operatingPoint)
    {
        var rules = new Dictionary<int, DecisionRule> { [defaultViews] = Resolve(card, defaultViews, operatingPoint) };
        int[] possible = card.ViewsInGraph > 1 ? [card.ViewsInGraph] : [(int)ScoringViews.Single, (int)ScoringViews.Dihedral];
        foreach (var views in possible)
        {
            if (rules.ContainsKey(views)) continue;
            try { rules[views] = Resolve(card, views, operatingPoint); }
            catch (InvalidDataException) { }
        }
        return rules;
    }

    /// <summary>The same model and views decided at another of its points.</summary>
    /// <exception cref="ArgumentException">No point of that name.</exception>
    public DecisionRule At(string operatingPoint)
    {
        ArgumentNullException.ThrowIfNull(operatingPoint);
        if (string.Equals(operatingPoint, Point.Name, StringComparison.Ordinal)) return this;
        var point = Points.FirstOrDefault(p => string.Equals(p.Name, operatingPoint, StringComparison.Ordinal))
            ?? throw new ArgumentException($"The model has no operating point '{operatingPoint}' for {Views}-view scores; it has {string.Join(", ", Points.Select(p => p.Name))}.", nameof(operatingPoint));
        return new DecisionRule(Card, Views, Temperature, point, Points, ThresholdFromCard);
    }

    /// <summary>
    /// The calibrated probabilities: softmax(log p / T), the temperature scaling of the logits up to a constant that
    /// cancels (for two labels, sigmoid(logit / T)). Unchanged scores when T is 1.
    /// </summary>
    public float[] Calibrate(float[] scores) => Scale(scores, Temperature);

    /// <summary>
    /// softmax(log p / <paramref name="temperature"/>) of probabilities <paramref name="scores"/>; the same array at
    /// temperature 1. Scaling by 1/T undoes scaling by T (up to float rounding), which is how an evaluation recovers
    /// the model's own probabilities from calibrated ones.
    /// </summary>
    public static float[] Scale(float[] scores, double temperature)
    {
        if (temperature == 1) return scores;
        var logs = new double[scores.Length];
        var max = double.NegativeInfinity;
        for (var i = 0; i < scores.Length; i++)
        {
            logs[i] = Math.Log(Math.Max(scores[i], 0)) / temperature;
            max = Math.Max(max, logs[i]);
        }
        if (double.IsNegativeInfinity(max)) return scores;  // all zero: nothing to rescale
        var sum = 0.0;
        for (var i = 0; i < logs.Length; i++) sum += logs[i] = Math.Exp(logs[i] - max);
        var calibrated = new float[scores.Length];
        for (var i = 0; i < logs.Length; i++) calibrated[i] = (float)(logs[i] / sum);
        return calibrated;
    }

    /// <summary>
    /// The label index decided from calibrated scores: the positive label when its probability reaches the threshold,
    /// else the most probable of the others. A card without points keeps the most probable label (ties to the first).
    /// </summary>
    public int Decide(IReadOnlyList<float> calibrated)
    {
        if (!ThresholdFromCard) return ArgMax(calibrated, exclude: -1);
        return calibrated[PositiveIndex] >= Point.Threshold ? PositiveIndex : ArgMax(calibrated, exclude: PositiveIndex);
    }

    private static int ArgMax(IReadOnlyList<float> scores, int exclude)
    {
        var best = -1;
        for (var i = 0; i < scores.Count; i++)
            if (i != exclude && (best < 0 || scores[i] > scores[best])) best = i;
        return best;
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
            if (string.Equals(labels[i], label, StringComparison.Ordinal)) return i;
        throw new InvalidDataException($"The model card's positive label '{label}' is not one of its labels.");
    }
}
