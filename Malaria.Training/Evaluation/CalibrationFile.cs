using System.Text.Json;
using System.Text.Json.Serialization;
using Malaria.Inference;
using Malaria.Inference.Decisions;
using Malaria.Inference.IO;

namespace Malaria.Training.Evaluation;

/// <summary>
/// <c>calibration.json</c>, written by <c>crossvalidate</c> and read by <c>train</c>/<c>export --calibration</c>: the
/// temperature and operating points per scoring, in the shape model.json stores them (<c>calibration</c>,
/// <c>operatingPoints</c>, <c>defaultOperatingPoint</c>), plus the cross-validation figures behind them
/// (<c>details</c>, for people).
/// </summary>
internal sealed class CalibrationFile
{
    public const string FileName = "calibration.json";

    /// <summary>What the figures were measured on, copied into every operating point's <c>source</c>.</summary>
    public string Source { get; set; } = "";

    public double TargetSensitivity { get; set; }

    /// <summary>How the expected calibration error of the details was binned.</summary>
    public string Ece { get; set; } = $"{CalibrationMetrics.Bins} equal-width bins of P(positive) over [0, 1]";

    public List<ModelCalibration> Calibration { get; set; } = [];

    public List<OperatingPoint> OperatingPoints { get; set; } = [];

    public string DefaultOperatingPoint { get; set; } = OperatingPoint.Balanced;

    /// <summary>The cross-validation measurements per scoring (not read back).</summary>
    public List<ViewsCalibration>? Details { get; set; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The file of a cross-validation's scorings; the operating points carry the held-out (cross-fitted) figures.</summary>
    public static CalibrationFile From(IReadOnlyList<ViewsCalibration> scorings, string source, string defaultOperatingPoint)
    {
        var file = new CalibrationFile
        {
            Source = source,
            TargetSensitivity = scorings.Count == 0 ? 0 : scorings[0].TargetSensitivity,
            Calibration = [.. scorings.Select(s => new ModelCalibration { Views = s.Views, Temperature = s.Temperature })],
            OperatingPoints = [.. scorings.SelectMany(s => s.Points.Select(p => new OperatingPoint
            {
                Name = p.Name, Views = s.Views, Threshold = p.Threshold, Sensitivity = p.Sensitivity, Specificity = p.Specificity, Source = source,
            }))],
            DefaultOperatingPoint = defaultOperatingPoint,
            Details = [.. scorings],
        };
        file.CheckedOn(new ModelCard { Labels = ["positive", "negative"], PositiveLabel = "positive" }, "calibration");
        return file;
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads a calibration file and checks it by the model card's rules.</summary>
    /// <exception cref="InvalidDataException">Unreadable, or it breaks a card rule; the message names the file.</exception>
    public static CalibrationFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Calibration file '{path}' does not exist (crossvalidate writes {FileName} into its --out folder).", path);
        CalibrationFile? file;
        try { file = JsonSerializer.Deserialize<CalibrationFile>(File.ReadAllText(path), Json); }
        catch (JsonException ex) { throw new InvalidDataException($"Calibration file '{path}' is not valid JSON: {ex.Message}", ex); }
        if (file is null || file.Calibration.Count == 0 || file.OperatingPoints.Count == 0)
            throw new InvalidDataException($"Calibration file '{path}' has no calibration or no operating points.");
        file.CheckedOn(new ModelCard { Labels = ["positive", "negative"], PositiveLabel = "positive" }, path);
        return file;
    }

    /// <summary>
    /// Writes the temperature and operating points into <paramref name="card"/>. The file must cover the views the
    /// model scores with (card property <c>views</c>), and the model must give its own probabilities: a threshold
    /// written into the graph (<c>--threshold</c>) would shift the scores the temperature was fitted on.
    /// </summary>
    /// <exception cref="InvalidDataException">The file does not fit the model.</exception>
    public void ApplyTo(ModelCard card, string source)
    {
        if (card.Properties?.TryGetValue("decisionThreshold", out var cut) == true)
            throw new InvalidDataException($"The model has a decision threshold {cut} written into its graph, so its probabilities are not those '{source}' was fitted on; use the calibration's operating points instead of --threshold.");
        var views = ScoredViews.Of(card);
        if (!Calibration.Any(c => c.Views == views) || !OperatingPoints.Any(p => p.Views == views))
            throw new InvalidDataException($"'{source}' calibrates {string.Join(" and ", Calibration.Select(c => $"{c.Views}-view"))} scores, but the model scores with {views} view(s).");
        card.Calibration = [.. Calibration.Select(c => new ModelCalibration { Views = c.Views, Temperature = c.Temperature })];
        card.OperatingPoints = [.. OperatingPoints.Select(p => new OperatingPoint
        {
            Name = p.Name, Views = p.Views, Threshold = p.Threshold, Sensitivity = p.Sensitivity, Specificity = p.Specificity, Source = p.Source,
        })];
        card.DefaultOperatingPoint = DefaultOperatingPoint;
        CheckedOn(card, source);
    }

    /// <summary>Applies the card rules (temperatures, thresholds, names, default) by parsing a card that carries these entries.</summary>
    private void CheckedOn(ModelCard card, string source)
    {
        var copy = ModelCard.Parse(card.ToJson(), source);
        copy.Calibration = Calibration;
        copy.OperatingPoints = OperatingPoints;
        copy.DefaultOperatingPoint = DefaultOperatingPoint;
        ModelCard.Parse(copy.ToJson(), source);
    }
}
