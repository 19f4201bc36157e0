using System.Collections.Concurrent;
using Malaria.Inference.Explainability;
using Malaria.Inference.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Data;

namespace Malaria.Inference.Pooling;

/// <summary>
/// Named models, each with a bounded pool of prediction engines, for a busy service: <c>Classify(modelName, image)</c>
/// rents an engine for the call and returns it. The verbs are the <see cref="MalariaClassifier"/>'s, with the
/// model's name first, and each takes <c>views</c> (<see cref="ScoringViews"/>; null: the options'). Models registered with <c>watchForChanges</c> reload when their file changes. All members
/// are thread-safe.
/// </summary>
public sealed class MalariaPredictionEnginePool : IDisposable
{
    /// <summary>
    /// The name an injected <see cref="IMalariaClassifier"/> serves: the built-in model, unless a file is registered
    /// under this name.
    /// </summary>
    public const string DefaultModelName = "default";

    private readonly ConcurrentDictionary<string, MalariaClassifier> _models = new(StringComparer.Ordinal);
    private readonly object _addLock = new();
    private readonly MalariaClassifierOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Creates an empty pool; add models with <see cref="FromFile"/> and <see cref="FromDefault"/>.</summary>
    public MalariaPredictionEnginePool(MalariaClassifierOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new MalariaClassifierOptions();
        _options.Validate();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<MalariaPredictionEnginePool>();
    }

    /// <summary>
    /// Creates the pool from options (as dependency injection does) and loads every model they name now, so a bad
    /// file fails here, naming the file; the built-in model serves as <see cref="DefaultModelName"/> unless a model
    /// already has that name.
    /// </summary>
    /// <exception cref="ModelLoadException">A model cannot be loaded; the models loaded before it are released.</exception>
    public MalariaPredictionEnginePool(IOptions<MalariaClassifierOptions> options, ILoggerFactory? loggerFactory = null)
        : this(options?.Value, loggerFactory)
    {
        try
        {
            foreach (var name in _options.BuiltInModels) FromDefault(name);
            foreach (var (name, model) in _options.Models) FromFile(name, model.Path, model.WatchForChanges, model.OperatingPoint);
            if (!_models.ContainsKey(DefaultModelName)) FromDefault();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Names of the models in the pool.</summary>
    public IReadOnlyCollection<string> ModelNames => _models.Keys.ToArray();

    /// <summary>Raised after any model of the pool was reloaded.</summary>
    public event EventHandler<ModelReloadedEventArgs>? Reloaded;

    /// <summary>Raised when reloading any model of the pool failed (the old one keeps serving).</summary>
    public event EventHandler<ModelReloadFailedEventArgs>? ReloadFailed;

    /// <summary>
    /// Loads a model file (zip or onnx with <c>model.json</c> beside it) under a name. With
    /// <paramref name="watchForChanges"/>, a change of the file or its card is picked up after it settles and swapped in.
    /// <paramref name="operatingPoint"/> names the card's operating point that decides this model's labels (null: the
    /// pool's <see cref="MalariaClassifierOptions.OperatingPoint"/>, else the card's default).
    /// </summary>
    /// <exception cref="ModelLoadException">The file cannot be loaded, or its card has no such operating point.</exception>
    /// <exception cref="ArgumentException">The name is already used.</exception>
    public MalariaPredictionEnginePool FromFile(string modelName, string modelPath, bool watchForChanges = false, string? operatingPoint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return Add(modelName, ModelSource.FromFile(modelPath), watchForChanges, operatingPoint);
    }

    /// <summary>Serves the built-in model (the one <see cref="MalariaClassifier.LoadDefault"/> loads) under a name.</summary>
    /// <exception cref="ArgumentException">The name is already used.</exception>
    public MalariaPredictionEnginePool FromDefault(string modelName = DefaultModelName) => Add(modelName, ModelSource.BuiltIn, watchForChanges: false);

    private MalariaPredictionEnginePool Add(string modelName, ModelSource source, bool watchForChanges, string? operatingPoint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_addLock)
        {
            if (_models.ContainsKey(modelName)) throw new ArgumentException($"A model named '{modelName}' is already in the pool.", nameof(modelName));
            var classifier = MalariaClassifier.Create(modelName, source, _options.ForModel(operatingPoint), _logger, watchForChanges);
            classifier.Reloaded += (_, e) => EventRaising.RaiseEach(Reloaded, this, e, _logger, modelName);
            classifier.ReloadFailed += (_, e) => EventRaising.RaiseEach(ReloadFailed, this, e, _logger, modelName);
            _models[modelName] = classifier;
        }
        return this;
    }

    /// <summary>The classifier serving a named model (for its version, labels, reload state and events).</summary>
    /// <exception cref="KeyNotFoundException">No model has that name; the message lists the names there are.</exception>
    public MalariaClassifier GetClassifier(string modelName)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_models.TryGetValue(modelName, out var classifier)) return classifier;
        throw new KeyNotFoundException($"No model named '{modelName}' in the pool; models: {(_models.IsEmpty ? "(none)" : string.Join(", ", _models.Keys))}.");
    }

    /// <summary>Classifies a decoded image with a named model.</summary>
    public CellPrediction Classify(string modelName, MLImage image, ScoringViews? views = null) => GetClassifier(modelName).Classify(image, views);

    /// <summary>Classifies an image file with a named model.</summary>
    public CellPrediction Classify(string modelName, string imagePath, ScoringViews? views = null) => GetClassifier(modelName).Classify(imagePath, views);

    /// <summary>Classifies encoded image bytes with a named model.</summary>
    public CellPrediction Classify(string modelName, ReadOnlyMemory<byte> encodedImage, string? sourceName = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Classify(encodedImage, sourceName, views);

    /// <summary>Classifies an encoded image stream with a named model.</summary>
    public CellPrediction Classify(string modelName, Stream imageStream, string? sourceName = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Classify(imageStream, sourceName, views);

    /// <summary>Reads an encoded image stream asynchronously (e.g. a request body) and classifies it with a named model.</summary>
    public Task<CellPrediction> ClassifyAsync(string modelName, Stream imageStream, string? sourceName = null, ScoringViews? views = null, CancellationToken cancellationToken = default) =>
        GetClassifier(modelName).ClassifyAsync(imageStream, sourceName, views, cancellationToken);

    /// <summary>Classifies decoded images in batched model runs, keeping their order.</summary>
    public IReadOnlyList<CellPrediction> ClassifyBatch(string modelName, IReadOnlyList<MLImage> images, ScoringViews? views = null) =>
        GetClassifier(modelName).ClassifyBatch(images, views);

    /// <summary>
    /// Decodes and classifies image files, keeping their order: decoded on every core while the model scores
    /// (see <see cref="MalariaClassifier.ClassifyBatch(IEnumerable{string}, ScoringViews?)"/>).
    /// </summary>
    public IReadOnlyList<CellPrediction> ClassifyBatch(string modelName, IEnumerable<string> imagePaths, ScoringViews? views = null) =>
        GetClassifier(modelName).ClassifyBatch(imagePaths, views);

    /// <summary>Classifies with the named model and returns the Grad-CAM heatmap of <paramref name="targetLabel"/> (default: the predicted one).</summary>
    public CellExplanation Explain(string modelName, MLImage image, string? targetLabel = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Explain(image, targetLabel, views);

    /// <summary>Explains an image file with the named model.</summary>
    public CellExplanation Explain(string modelName, string imagePath, string? targetLabel = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Explain(imagePath, targetLabel, views);

    /// <summary>Explains encoded image bytes with the named model.</summary>
    public CellExplanation Explain(string modelName, ReadOnlyMemory<byte> encodedImage, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Explain(encodedImage, sourceName, targetLabel, views);

    /// <summary>Explains an encoded image stream with the named model.</summary>
    public CellExplanation Explain(string modelName, Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null) =>
        GetClassifier(modelName).Explain(imageStream, sourceName, targetLabel, views);

    /// <summary>Reads an encoded image stream asynchronously (e.g. a request body) and explains it with the named model.</summary>
    public Task<CellExplanation> ExplainAsync(string modelName, Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null, CancellationToken cancellationToken = default) =>
        GetClassifier(modelName).ExplainAsync(imageStream, sourceName, targetLabel, views, cancellationToken);

    /// <summary>The version of the model a name serves (see <see cref="ModelInfo.Version"/>).</summary>
    public string GetVersion(string modelName) => GetClassifier(modelName).Version;

    /// <summary>What a named model serves now.</summary>
    public ModelInfo GetModelInfo(string modelName) => GetClassifier(modelName).Model;

    /// <summary>Reloads a named model from its file now; false (and logged) when the file fails to load.</summary>
    public bool Reload(string modelName) => GetClassifier(modelName).Reload();

    /// <summary>Disposes every model once its in-flight calls finish.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var classifier in _models.Values) classifier.Dispose();
    }
}
