namespace Malaria.Inference.Models;

/// <summary>Describes one loaded model: where it came from, which exact bytes, and what it predicts.</summary>
public sealed class ModelInfo
{
    internal ModelInfo(string path, ModelFormat format, string version, ModelCard card, DateTimeOffset loadedAt)
    {
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
    internal int ScoredViews(ScoringViews requested) => Card.ViewsInGraph > 1 ? Card.ViewsInGraph : (int)requested;

    /// <summary>How many views the library itself builds and averages: 1 when the graph already averages them.</summary>
    internal int ViewsToApply(ScoringViews requested) => Card.ViewsInGraph > 1 ? 1 : (int)requested;

    /// <inheritdoc/>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} ({Format}, {Version[..12]}, labels {string.Join('/', Labels)})";
}
