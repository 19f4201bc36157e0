using System.Text.Json;
using System.Text.Json.Serialization;

namespace Malaria.Inference;

/// <summary>
/// What is known about a model file, stored as <c>model.json</c> beside it: labels in score order, the input size,
/// where it came from and how well it did. The classifier needs <see cref="Labels"/> and the input size; the rest is
/// provenance for people.
/// </summary>
public sealed class ModelCard
{
    /// <summary>The conventional file name beside a model.</summary>
    public const string FileName = "model.json";

    /// <summary>Labels in the order of the model's score vector.</summary>
    public IReadOnlyList<string> Labels { get; set; } = [];

    /// <summary>The label meaning "infected"; <c>Parasitized</c> for the NIH data.</summary>
    public string PositiveLabel { get; set; } = "Parasitized";

    /// <summary>Width in pixels the model resizes images to.</summary>
    public int InputWidth { get; set; }

    /// <summary>Height in pixels the model resizes images to.</summary>
    public int InputHeight { get; set; }

    /// <summary>
    /// How images are stretched to the input size before the model runs: null (or <c>nearest</c>) leaves it to the
    /// model's own pipeline (ML.NET's nearest-neighbour <c>ResizeImages</c> in a zip); <see cref="SmoothResizing"/>
    /// means the classifier resizes first with the same smooth filter the trainer used.
    /// </summary>
    public string? Resizing { get; set; }

    /// <summary>The <see cref="Resizing"/> value of models trained on smoothly resized images (the TorchSharp networks).</summary>
    public const string SmoothResizing = "smooth";

    /// <summary>
    /// How many views the graph averages itself and how many the model was validated with (see
    /// <see cref="ModelCardViews"/>); null on cards written before the section existed (read from
    /// <see cref="Properties"/> then: <see cref="ViewsInGraph"/>).
    /// </summary>
    public ModelCardViews? Views { get; set; }

    /// <summary>
    /// Views the graph averages itself: <see cref="Views"/> when present, else 8 for an older card whose properties
    /// say the graph averages them (<c>"views": "8"</c>, or <c>"averageViewsAtPrediction": "True"</c> for an ML.NET zip
    /// with a view-averaging backbone), else 1.
    /// </summary>
    internal int ViewsInGraph =>
        Views?.InGraph
        ?? (Properties is { } p && ((p.TryGetValue("views", out var views) && views.Trim() == "8")
            || (p.TryGetValue("averageViewsAtPrediction", out var backbone) && string.Equals(backbone.Trim(), "true", StringComparison.OrdinalIgnoreCase)))
            ? 8 : 1);

    /// <summary>Which trainer produced the model (e.g. <c>mobilenetv2-features</c>, <c>cnn</c>).</summary>
    public string? Trainer { get; set; }

    /// <summary>SHA-256 of the pretrained backbone file, when one was used.</summary>
    public string? BackboneSha256 { get; set; }

    /// <summary>SHA-256 of the split CSV the model was trained on.</summary>
    public string? SplitSha256 { get; set; }

    /// <summary>Random seed of the run.</summary>
    public int? Seed { get; set; }

    /// <summary>Wall-clock training time in seconds.</summary>
    public double? TrainingSeconds { get; set; }

    /// <summary>When the model was created (UTC).</summary>
    public DateTimeOffset? CreatedUtc { get; set; }

    /// <summary>Test metrics by name (accuracy, auc, ...), with the split part they were measured on in <see cref="MetricsPart"/>.</summary>
    public IDictionary<string, double>? Metrics { get; set; }

    /// <summary>The split part the metrics come from (normally <c>test</c>).</summary>
    public string? MetricsPart { get; set; }

    /// <summary>Anything else a trainer wants to record (hyper-parameters and the like).</summary>
    public IDictionary<string, string>? Properties { get; set; }

    /// <summary>
    /// Temperatures that calibrate the model's probabilities, one per way of scoring (<see cref="ModelCalibration.Views"/>).
    /// Null or empty: the probabilities are used as the model gives them (temperature 1).
    /// </summary>
    public IList<ModelCalibration>? Calibration { get; set; }

    /// <summary>
    /// Named thresholds on the calibrated P(positive), per way of scoring. Null or empty: one point,
    /// <see cref="OperatingPoint.Balanced"/>, the most probable label.
    /// </summary>
    public IList<OperatingPoint>? OperatingPoints { get; set; }

    /// <summary>
    /// The operating point a classifier decides with unless told otherwise; must name one of
    /// <see cref="OperatingPoints"/>. Null: <see cref="OperatingPoint.Balanced"/>.
    /// </summary>
    public string? DefaultOperatingPoint { get; set; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Serialises the card as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// Parses and checks a card: at least two labels, none blank or repeated, and a positive label among them;
    /// calibration temperatures finite and above 0, one per views count; operating point thresholds strictly between
    /// 0 and 1, names unique per views count, and a default that names one of them. Errors name the source.
    /// </summary>
    /// <exception cref="InvalidDataException">The JSON is malformed or the card breaks one of those rules.</exception>
    public static ModelCard Parse(string json, string? source = null)
    {
        source ??= "(json)";
        ModelCard? card;
        try { card = JsonSerializer.Deserialize<ModelCard>(json, JsonOptions); }
        catch (JsonException ex) { throw new InvalidDataException($"Model card '{source}' is not valid JSON: {ex.Message}", ex); }
        if (card is null) throw new InvalidDataException($"Model card '{source}' is empty (null).");
        card.Validate(source);
        return card;
    }

    /// <summary>
    /// The rules every consumer relies on: a prediction maps scores to labels by position and looks labels up by
    /// name, so a null, blank or repeated label would break it long after loading.
    /// </summary>
    private void Validate(string source)
    {
        // The deserializer assigns null when the JSON says "labels": null, whatever the property's initialiser.
        if (Labels is null || Labels.Count < 2)
            throw new InvalidDataException($"Model card '{source}' must list at least two labels (\"labels\": [...]).");
        for (var i = 0; i < Labels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Labels[i]))
                throw new InvalidDataException($"Model card '{source}' has a blank or null label at position {i}.");
            for (var j = 0; j < i; j++)
                if (string.Equals(Labels[i], Labels[j], StringComparison.Ordinal))
                    throw new InvalidDataException($"Model card '{source}' lists label '{Labels[i]}' twice (positions {j} and {i}).");
        }
        if (string.IsNullOrWhiteSpace(PositiveLabel) || !Labels.Contains(PositiveLabel, StringComparer.Ordinal))
            throw new InvalidDataException($"Model card '{source}' names positive label '{PositiveLabel}', which is not one of its labels ({string.Join(", ", Labels)}).");
        if (InputWidth < 0 || InputHeight < 0)
            throw new InvalidDataException($"Model card '{source}' has a negative input size ({InputWidth} x {InputHeight}).");
        Views?.Validate(source);
        ValidateCalibration(source);
        ValidateOperatingPoints(source);
    }

    private void ValidateCalibration(string source)
    {
        if (Calibration is null) return;
        for (var i = 0; i < Calibration.Count; i++)
        {
            var entry = Calibration[i] ?? throw new InvalidDataException($"Model card '{source}' has a null entry at calibration[{i}].");
            if (entry.Views < 1)
                throw new InvalidDataException($"Model card '{source}': calibration[{i}] has views {entry.Views}; it must be at least 1.");
            if (!double.IsFinite(entry.Temperature) || entry.Temperature <= 0)
                throw new InvalidDataException($"Model card '{source}': calibration[{i}] (views {entry.Views}) has temperature {entry.Temperature}; it must be finite and above 0.");
            for (var j = 0; j < i; j++)
                if (Calibration[j].Views == entry.Views)
                    throw new InvalidDataException($"Model card '{source}' calibrates views {entry.Views} twice (calibration[{j}] and calibration[{i}]).");
        }
    }

    private void ValidateOperatingPoints(string source)
    {
        var points = OperatingPoints ?? [];
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i] ?? throw new InvalidDataException($"Model card '{source}' has a null entry at operatingPoints[{i}].");
            if (string.IsNullOrWhiteSpace(point.Name))
                throw new InvalidDataException($"Model card '{source}': operatingPoints[{i}] has no name.");
            if (point.Views < 1)
                throw new InvalidDataException($"Model card '{source}': operating point '{point.Name}' has views {point.Views}; it must be at least 1.");
            if (!double.IsFinite(point.Threshold) || point.Threshold <= 0 || point.Threshold >= 1)
                throw new InvalidDataException($"Model card '{source}': operating point '{point.Name}' (views {point.Views}) has threshold {point.Threshold}; it must be strictly between 0 and 1.");
            foreach (var (figure, value) in new[] { ("sensitivity", point.Sensitivity), ("specificity", point.Specificity) })
                if (value is { } v && (!double.IsFinite(v) || v < 0 || v > 1))
                    throw new InvalidDataException($"Model card '{source}': operating point '{point.Name}' (views {point.Views}) has {figure} {v}; it must be between 0 and 1.");
            for (var j = 0; j < i; j++)
                if (points[j].Views == point.Views && string.Equals(points[j].Name, point.Name, StringComparison.Ordinal))
                    throw new InvalidDataException($"Model card '{source}' names operating point '{point.Name}' twice for views {point.Views} (operatingPoints[{j}] and [{i}]).");
        }
        if (DefaultOperatingPoint is not null)
        {
            if (string.IsNullOrWhiteSpace(DefaultOperatingPoint))
                throw new InvalidDataException($"Model card '{source}' has a blank defaultOperatingPoint.");
            var names = points.Select(p => p.Name).Distinct(StringComparer.Ordinal).ToList();
            if (points.Count == 0 ? DefaultOperatingPoint != OperatingPoint.Balanced : !names.Contains(DefaultOperatingPoint, StringComparer.Ordinal))
                throw new InvalidDataException($"Model card '{source}': defaultOperatingPoint '{DefaultOperatingPoint}' is not one of its operating points ({(names.Count == 0 ? OperatingPoint.Balanced : string.Join(", ", names))}).");
        }
        else if (points.Count > 0 && !points.Any(p => p.Name == OperatingPoint.Balanced))
            throw new InvalidDataException($"Model card '{source}' lists operating points ({string.Join(", ", points.Select(p => p.Name).Distinct())}) but no defaultOperatingPoint, and none is named '{OperatingPoint.Balanced}'.");
    }

    /// <summary>Reads <c>model.json</c> from a path.</summary>
    public static ModelCard Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Writes the card atomically.</summary>
    public void Save(string path) => IO.AtomicFile.WriteAllText(path, ToJson());

    /// <summary>The card beside a model file: <c>model.json</c> in the same folder.</summary>
    public static string PathBeside(string modelPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, FileName);
}
