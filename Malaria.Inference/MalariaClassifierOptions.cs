using Malaria.Inference.Imaging;

namespace Malaria.Inference;

/// <summary>
/// Settings of a <see cref="MalariaClassifier"/> and of every model in a <see cref="Pooling.MalariaPredictionEnginePool"/>.
/// Binds from configuration (<c>AddMalariaClassifier(configuration.GetSection("Malaria"))</c>), for example
/// <c>{ "Models": { "mobilenet": { "Path": "models/model.zip", "WatchForChanges": true } }, "ImageLimits": { "MaxPixels": 1000000 } }</c>.
/// </summary>
public sealed class MalariaClassifierOptions
{
    /// <summary>Input checks made before decoding. Default: <see cref="ImageLimits"/> defaults.</summary>
    public ImageLimits ImageLimits { get; set; } = new();

    /// <summary>How many idle engines each model keeps for reuse. Default: twice the processor count. Callers beyond it get a temporary engine that is disposed after use.</summary>
    public int MaxEnginesPerModel { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>
    /// Whether a crop framed unlike the training crops is framed like them before scoring (<see cref="CropFraming"/>):
    /// an unmasked crop reduced to its central cell on black, a masked one with black margins cropped to its cell.
    /// Crops framed like the training data are never changed. Default: true.
    /// </summary>
    public bool FrameCrops { get; set; } = true;

    /// <summary>
    /// The operating point predictions are decided at (a name from the model card's <c>operatingPoints</c>, such as
    /// <c>balanced</c> or <c>screening</c>); null: the card's <c>defaultOperatingPoint</c>. A model whose card has no
    /// point of this name fails to load (and a reload to it fails, the old model serving on). Default: null.
    /// </summary>
    public string? OperatingPoint { get; set; }

    /// <summary>Images per model run in batch calls. Default: 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// The views of each image a prediction averages, unless a call asks otherwise (every verb takes <c>views</c>):
    /// <see cref="ScoringViews.Single"/> (one model run per image) or <see cref="ScoringViews.Dihedral"/> (the mean of
    /// its 8 rotations and mirror images: a little more accurate for most models, 8 times the model work). A model
    /// whose graph already averages views (see <see cref="ModelCardViews"/>) is scored as it is, whatever this says.
    /// Binds from configuration as <c>"Views": "Dihedral"</c> (or <c>"Single"</c>). Default: <see cref="ScoringViews.Single"/>.
    /// </summary>
    public ScoringViews Views { get; set; } = ScoringViews.Single;

    /// <summary>
    /// ONNX Runtime threads per model run of an ONNX model: 1 runs each call on its caller's thread, so concurrent
    /// callers (a service) and the decoding threads of a batch use the other cores; 0 lets ONNX Runtime use one per
    /// physical core for every run (may suit large models on an otherwise idle machine). Read when a model loads.
    /// Default: 1.
    /// </summary>
    public int OnnxIntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Threads that read and decode files ahead of the model in <c>ClassifyBatch(paths)</c>. Default: the processor count.
    /// </summary>
    public int DecodeThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Model runs that one <c>ClassifyBatch(paths)</c> call makes at once, each on its own engine, while the next files
    /// decode. Null: one per processor when <see cref="OnnxIntraOpThreads"/> is 1 (each run takes one core), else 1 (each
    /// run already takes every core). Default: null.
    /// </summary>
    public int? ScoringThreads { get; set; }

    /// <summary>How long a watched model file must stay unchanged before it is reloaded. Default: 500 ms.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many times a reload retries while the file is locked or still being written. Default: 10.</summary>
    public int ReloadRetries { get; set; } = 10;

    /// <summary>Pause between reload retries. Default: 200 ms.</summary>
    public TimeSpan ReloadRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Model files served by a pool built from these options, by name. A relative path is taken from the current
    /// directory. The name <c>default</c> is what an injected <see cref="IMalariaClassifier"/> serves; when no model
    /// has that name, the built-in model serves under it.
    /// </summary>
    public IDictionary<string, ModelFileOptions> Models { get; } = new Dictionary<string, ModelFileOptions>(StringComparer.Ordinal);

    /// <summary>Names under which the built-in model is served (<see cref="DependencyInjection.MalariaClassifierBuilder.FromDefault"/>).</summary>
    internal ISet<string> BuiltInModels { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A copy of these settings for one model served with another operating point (<see cref="ModelFileOptions.OperatingPoint"/>).</summary>
    internal MalariaClassifierOptions ForModel(string? operatingPoint) => operatingPoint is null ? this : new()
    {
        ImageLimits = ImageLimits,
        MaxEnginesPerModel = MaxEnginesPerModel,
        FrameCrops = FrameCrops,
        OperatingPoint = operatingPoint,
        BatchSize = BatchSize,
        Views = Views,
        OnnxIntraOpThreads = OnnxIntraOpThreads,
        DecodeThreads = DecodeThreads,
        ScoringThreads = ScoringThreads,
        ReloadDebounce = ReloadDebounce,
        ReloadRetries = ReloadRetries,
        ReloadRetryDelay = ReloadRetryDelay,
    };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ImageLimits);
        ImageLimits.Validate();
        if (MaxEnginesPerModel < 1) throw new ArgumentOutOfRangeException(nameof(MaxEnginesPerModel), MaxEnginesPerModel, "must be at least 1");
        if (OperatingPoint is not null && string.IsNullOrWhiteSpace(OperatingPoint))
            throw new ArgumentException("OperatingPoint is blank; leave it null for the model card's default.", nameof(OperatingPoint));
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (!Enum.IsDefined(Views)) throw new ArgumentOutOfRangeException(nameof(Views), Views, $"must be {ScoringViews.Single} (1) or {ScoringViews.Dihedral} (8)");
        if (OnnxIntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(OnnxIntraOpThreads), OnnxIntraOpThreads, "must not be negative (0: one per physical core)");
        if (DecodeThreads < 1) throw new ArgumentOutOfRangeException(nameof(DecodeThreads), DecodeThreads, "must be at least 1");
        if (ScoringThreads < 1) throw new ArgumentOutOfRangeException(nameof(ScoringThreads), ScoringThreads, "must be at least 1 (or null: one per processor)");
        if (ReloadDebounce < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReloadDebounce), ReloadDebounce, "must not be negative");
        if (ReloadRetries < 0) throw new ArgumentOutOfRangeException(nameof(ReloadRetries), ReloadRetries, "must not be negative");
        if (ReloadRetryDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReloadRetryDelay), ReloadRetryDelay, "must not be negative");
        foreach (var (name, model) in Models)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A model in Models has a blank name.", nameof(Models));
            if (model is null || string.IsNullOrWhiteSpace(model.Path))
                throw new ArgumentException($"Model '{name}' in Models has no Path.", nameof(Models));
            if (model.OperatingPoint is not null && string.IsNullOrWhiteSpace(model.OperatingPoint))
                throw new ArgumentException($"Model '{name}' in Models has a blank OperatingPoint; leave it out for the default.", nameof(Models));
            if (BuiltInModels.Contains(name))
                throw new ArgumentException($"Model name '{name}' is given both to a file ('{model.Path}') and to the built-in model.", nameof(Models));
        }
    }
}

/// <summary>A model file served under a name (see <see cref="MalariaClassifierOptions.Models"/>).</summary>
public sealed class ModelFileOptions
{
    /// <summary>The model file (<c>.zip</c> or <c>.onnx</c>) with its <c>model.json</c> beside it.</summary>
    public string Path { get; set; } = "";

    /// <summary>Reload the model when the file or its card changes. Default: false.</summary>
    public bool WatchForChanges { get; set; }

    /// <summary>
    /// The operating point of this model's card that decides its labels; null: <see cref="MalariaClassifierOptions.OperatingPoint"/>,
    /// else the card's default. Default: null.
    /// </summary>
    public string? OperatingPoint { get; set; }
}
