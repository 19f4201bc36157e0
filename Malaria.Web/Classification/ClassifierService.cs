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
            LastReloadFailure(name));
    }

    /// <summary>Decodes (within the limits) and classifies one upload.</summary>
    public Task<CellPrediction> ClassifyAsync(string name, Stream image, string fileName, CancellationToken cancellationToken) =>
        _pool.ClassifyAsync(name, image, fileName, cancellationToken: cancellationToken);

    /// <summary>Decodes (within the limits) one upload and explains the score of <paramref name="targetLabel"/> (default: the predicted label).</summary>
    public Task<CellExplanation> ExplainAsync(string name, Stream image, string fileName, string? targetLabel, CancellationToken cancellationToken)
    {
        var classifier = Require(name);
        if (targetLabel is not null && !classifier.Labels.Contains(targetLabel, StringComparer.Ordinal))
            throw ApiProblemException.BadRequest($"Model '{name}' has no label '{targetLabel}'; its labels are {string.Join(", ", classifier.Labels)}.");
        return _pool.ExplainAsync(name, image, fileName, targetLabel, cancellationToken: cancellationToken);
    }
}

/// <summary>A reload that failed: when, why, and the version that kept serving.</summary>
public sealed record ReloadFailure(DateTimeOffset At, string Error, string StillServingVersion);

/// <summary>A served model as <c>GET /api/models</c> lists it.</summary>
public sealed record ModelDescription(
    string Name, string Version, string Format, IReadOnlyList<string> Labels, string PositiveLabel, int InputWidth, int InputHeight,
    DateTimeOffset LoadedAt, bool CanExplain, string? Trainer, string? MetricsPart, IReadOnlyDictionary<string, double> Metrics,
    ReloadFailure? LastReloadFailure);
