using Malaria.Inference;
using Malaria.Inference.Explainability;
using Malaria.Inference.Pooling;
using Malaria.Web.Problems;

namespace Malaria.Web.Classification;

/// <summary>
/// The app's one door to the library: names, descriptions, classification and explanation of the pool's models, and
/// each model's last reload failure. Unknown names become 404 problems here.
/// </summary>
public sealed class ClassifierService
{
    private readonly MalariaPredictionEnginePool _pool;

    public ClassifierService(MalariaPredictionEnginePool pool) => _pool = pool;

    /// <summary>Model names, the built-in "default" first, then by name.</summary>
    public IReadOnlyList<string> ModelNames =>
        [.. _pool.ModelNames.OrderBy(n => n == MalariaPredictionEnginePool.DefaultModelName ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal)];

    /// <summary>The name to use when a request names none.</summary>
    public string DefaultName => ModelNames.Contains(MalariaPredictionEnginePool.DefaultModelName) ? MalariaPredictionEnginePool.DefaultModelName : ModelNames[0];

    /// <summary>The classifier of a model; a 404 problem when there is none of that name.</summary>
    public MalariaClassifier Require(string? name)
    {
        name = string.IsNullOrWhiteSpace(name) ? DefaultName : name;
        if (!_pool.ModelNames.Contains(name, StringComparer.Ordinal)) throw ApiProblemException.UnknownModel(name, ModelNames);
        return _pool.GetClassifier(name);
    }

    /// <summary>The last failed reload of a model since it last loaded well, or null.</summary>
    public ReloadFailure? LastReloadFailure(string name)
    {
        var classifier = Require(name);
        return classifier.LastReloadFailure is { } failure ? new ReloadFailure(failure.At, failure.Message, classifier.Version) : null;
    }

    /// <summary>What a model is and how it scored on its test part.</summary>
    public ModelDescription Describe(string name)
    {
        var classifier = Require(name);
        var info = classifier.Model;
        return new ModelDescription(
            name, info.Version, info.Format.ToString(), info.Labels, info.Card.PositiveLabel, info.InputWidth, info.InputHeight,
            info.LoadedAt, classifier.CanExplain, info.Card.Trainer, info.Card.MetricsPart,
            info.Card.Metrics is null ? new Dictionary<string, double>() : new Dictionary<string, double>(info.Card.Metrics),
            LastReloadFailure(name), info.ScoredViews, info.Temperature, info.OperatingPoint.Name,
            [.. info.OperatingPoints.Select(p => new OperatingPointDescription(p.Name, p.Threshold, p.Sensitivity, p.Specificity, p.Source))]);
    }

    /// <summary>
    /// The operating point a request asks for, checked against the model's points: null when it names none (the
    /// model's own decides), a 400 problem when the model has no point of that name.
    /// </summary>
    public string? RequireOperatingPoint(MalariaClassifier classifier, string? operatingPoint)
    {
        if (string.IsNullOrWhiteSpace(operatingPoint)) return null;
        var points = classifier.Model.OperatingPoints;
        if (!points.Any(p => string.Equals(p.Name, operatingPoint, StringComparison.Ordinal)))
            throw ApiProblemException.BadRequest($"Model '{classifier.Name}' has no operating point '{operatingPoint}'; its points are {string.Join(", ", points.Select(p => p.Name))}.");
        return operatingPoint;
    }

    /// <summary>
    /// The views a request asks for: null when it names none (the model's configured views), 1 or 8; anything else is a
    /// 400 problem.
    /// </summary>
    public static ScoringViews? RequireViews(string? views) => views?.Trim() switch
    {
        null or "" => null,
        "1" => ScoringViews.Single,
        "8" => ScoringViews.Dihedral,
        _ => throw ApiProblemException.BadRequest($"views '{views}': give 1 (the image as it is) or 8 (the mean over its rotations and mirror images, 8 times the work)."),
    };

    /// <summary>Decodes (within the limits) and classifies one upload, with <paramref name="views"/> or the model's configured views.</summary>
    public Task<CellPrediction> ClassifyAsync(string name, Stream image, string fileName, ScoringViews? views, CancellationToken cancellationToken) =>
        _pool.ClassifyAsync(name, image, fileName, views, cancellationToken);

    /// <summary>Decodes (within the limits) one upload and explains the score of <paramref name="targetLabel"/> (default: the predicted label).</summary>
    public Task<CellExplanation> ExplainAsync(string name, Stream image, string fileName, string? targetLabel, ScoringViews? views, CancellationToken cancellationToken)
    {
        var classifier = Require(name);
        if (targetLabel is not null && !classifier.Labels.Contains(targetLabel, StringComparer.Ordinal))
            throw ApiProblemException.BadRequest($"Model '{name}' has no label '{targetLabel}'; its labels are {string.Join(", ", classifier.Labels)}.");
        return _pool.ExplainAsync(name, image, fileName, targetLabel, views, cancellationToken);
    }
}

/// <summary>A reload that failed: when, why, and the version that kept serving.</summary>
public sealed record ReloadFailure(DateTimeOffset At, string Error, string StillServingVersion);

/// <summary>
/// A served model as <c>GET /api/models</c> lists it: with the views its scores average (1 or 8), the calibration
/// temperature applied to its probabilities (1: none), the operating point predictions are decided at unless a
/// request names another, and every point a request may name with the held-out figures measured when it was chosen.
/// </summary>
public sealed record ModelDescription(
    string Name, string Version, string Format, IReadOnlyList<string> Labels, string PositiveLabel, int InputWidth, int InputHeight,
    DateTimeOffset LoadedAt, bool CanExplain, string? Trainer, string? MetricsPart, IReadOnlyDictionary<string, double> Metrics,
    ReloadFailure? LastReloadFailure, int ScoredViews, double Temperature, string OperatingPoint, IReadOnlyList<OperatingPointDescription> OperatingPoints);

/// <summary>A threshold on the calibrated P(positive) and what it measured where it was chosen.</summary>
public sealed record OperatingPointDescription(string Name, double Threshold, double? Sensitivity, double? Specificity, string? Source);
