using Malaria.Inference.Diagnostics;
using Malaria.Inference.Models;
using Microsoft.Extensions.Logging;

namespace Malaria.Inference.Pooling;

/// <summary>
/// The model generation serving under one name, and how it is replaced: <see cref="Reload"/> (by hand or when the
/// watched file settles) reads the source, skips it when its version is unchanged, and otherwise swaps in a new
/// <see cref="ModelGeneration"/>; calls already running finish on the one they started with. Engines are rented and
/// returned in one place, <see cref="ModelGeneration.Run{T}"/>.
/// </summary>
internal sealed class ServingModel : IDisposable
{
    private readonly ModelSource _source;
    private readonly MalariaClassifierOptions _options;
    private readonly ILogger _logger;
    private readonly Action<ModelReloadedEventArgs> _reloaded;
    private readonly Action<ModelReloadFailedEventArgs> _reloadFailed;
    private readonly object _reloadLock = new();
    private readonly IDisposable? _watcher;
    private ModelGeneration _current;
    private ModelReloadFailure? _lastReloadFailure;
    private int _disposed;

    /// <summary>Loads the source now; with <paramref name="watchForChanges"/> and a file source, reloads when it settles after a change.</summary>
    /// <param name="name">The model's name, in messages and metrics.</param>
    /// <param name="source">Where the bytes come from.</param>
    /// <param name="options">Engines kept, reload timing.</param>
    /// <param name="logger">Receives load, reload and failure messages.</param>
    /// <param name="watchForChanges">Watch the model file and its card.</param>
    /// <param name="reloaded">Called after a swap.</param>
    /// <param name="reloadFailed">Called after a failed reload.</param>
    /// <param name="createWatcher">Starts watching a file (path, debounce, callback, logger); tests replace it to make it fail.</param>
    public ServingModel(string name, ModelSource source, MalariaClassifierOptions options, ILogger logger, bool watchForChanges,
        Action<ModelReloadedEventArgs> reloaded, Action<ModelReloadFailedEventArgs> reloadFailed,
        Func<string, TimeSpan, Action, ILogger, IDisposable>? createWatcher = null)
    {
        Name = name;
        _source = source;
        _options = options;
        _logger = logger;
        _reloaded = reloaded;
        _reloadFailed = reloadFailed;
        _current = new ModelGeneration(LoadedModel.Load(source.Read(), options.OperatingPoint, options.Views, options.OnnxIntraOpThreads), options.MaxEnginesPerModel);
        try
        {
            if (watchForChanges && source.FilePath is { } path)
                _watcher = (createWatcher ?? ((p, d, a, l) => new ModelFileWatcher(p, d, a, l)))(path, options.ReloadDebounce, OnFileSettled, logger);
        }
        catch
        {
            // No owner will ever dispose a model whose watcher could not start (e.g. the inotify limit is reached).
            _current.Retire();
            throw;
        }
        _logger.LogInformation("Model {ModelName} loaded: {Model}", Name, _current.Info);
    }

    public string Name { get; }

    /// <summary>The model file, or null for a source that cannot change (the built-in model).</summary>
    public string? FilePath => _source.FilePath;

    public ModelInfo Info => Volatile.Read(ref _current).Info;

    public ModelReloadFailure? LastReloadFailure => Volatile.Read(ref _lastReloadFailure);

    /// <summary>The serving generation, for tests that check disposal.</summary>
    public ModelGeneration CurrentGeneration => Volatile.Read(ref _current);

    /// <summary>Runs <paramref name="work"/> with an engine of the serving generation (<see cref="ModelGeneration.Run{T}"/>).</summary>
    public T Run<T>(Func<ModelInfo, ScoringEngine, T> work)
    {
        var generation = Acquire();
        try { return generation.Run(work); }
        finally { generation.Release(); }
    }

    /// <summary>
    /// Reads the source again and, if it changed and loads, swaps it in. True when the source's model is serving
    /// (also when it was unchanged); false when it failed: logged, <see cref="LastReloadFailure"/> set, the failure
    /// callback raised, and the previous model keeps serving.
    /// </summary>
    public bool Reload()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_reloadLock)
        {
            // Disposed while waiting for the lock: swapping now would leave a generation nobody retires.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var serving = _current;
            LoadedModel? loaded;
            // Any failure, whatever its type, leaves the serving model in place: a bad deployment must never take
            // the service down or escape a file watcher's callback.
            try { loaded = ReadAndLoad(serving.Info.Version); }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "Reloading model {ModelName} from {ModelSource} failed; {Model} keeps serving.", Name, _source.Description, serving.Info);
                Volatile.Write(ref _lastReloadFailure, new ModelReloadFailure(DateTimeOffset.UtcNow, ex.Message, ex));
                MalariaInferenceMetrics.RecordReloadFailure(Name);
                _reloadFailed(new ModelReloadFailedEventArgs(Name, ex, serving.Info));
                return false;
            }
            Volatile.Write(ref _lastReloadFailure, null);
            if (loaded is null)
            {
                _logger.LogDebug("Model {ModelName}: files unchanged ({Version}), nothing to swap.", Name, serving.Info.Version);
                return true;
            }

            if (Volatile.Read(ref _disposed) != 0)
            {
                loaded.Dispose();
                throw new ObjectDisposedException(GetType().FullName);
            }
            var next = new ModelGeneration(loaded, _options.MaxEnginesPerModel);
            Volatile.Write(ref _current, next);
            serving.Retire();  // disposed when its last in-flight call releases it
            _logger.LogInformation("Model {ModelName} reloaded: {Previous} -> {Current}", Name, serving.Info, next.Info);
            MalariaInferenceMetrics.RecordReload(Name);
            _reloaded(new ModelReloadedEventArgs(Name, serving.Info, next.Info));
            return true;
        }
    }

    /// <summary>
    /// Reads the files and loads them unless their version is <paramref name="servingVersion"/> (then null), retrying
    /// while a file is locked by its writer or changes under the reader (a non-atomic copy).
    /// </summary>
    private LoadedModel? ReadAndLoad(string servingVersion)
    {
        for (var attempt = 0; ; attempt++)
        {
            var before = Stamp();
            try
            {
                var files = _source.Read();
                return files.Version == servingVersion ? null : LoadedModel.Load(files, _options.OperatingPoint, _options.Views, _options.OnnxIntraOpThreads);
            }
            catch (Exception ex) when (attempt < _options.ReloadRetries && (ex is IOException or UnauthorizedAccessException || Stamp() != before))
            {
                _logger.LogDebug(ex, "Model {ModelSource} is busy (attempt {Attempt}); retrying.", _source.Description, attempt + 1);
                Thread.Sleep(_options.ReloadRetryDelay);
            }
        }
    }

    private (long, DateTime, long, DateTime) Stamp()
    {
        if (_source.FilePath is not { } path) return default;
        var model = new FileInfo(path);
        var card = new FileInfo(ModelCard.PathBeside(path));
        return (model.Exists ? model.Length : -1, model.Exists ? model.LastWriteTimeUtc : default,
            card.Exists ? card.Length : -1, card.Exists ? card.LastWriteTimeUtc : default);
    }

    private void OnFileSettled()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        try { Reload(); }
        catch (ObjectDisposedException) { /* disposed while the timer fired */ }
        catch (Exception ex)
        {
            // A timer callback must never throw; anything unexpected is logged and the model keeps serving.
            _logger.LogError(ex, "Unexpected error reloading model {ModelName}.", Name);
        }
    }

    /// <summary>Takes a reference on the serving generation; the caller must release it.</summary>
    public ModelGeneration Acquire()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var generation = Volatile.Read(ref _current);
            if (generation.TryAcquire()) return generation;
            // That generation was retired and released between the read and the acquire: read the newer one.
        }
    }

    /// <summary>Stops watching and releases the model once no call is using it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _watcher?.Dispose();
        lock (_reloadLock) _current.Retire();
    }
}
