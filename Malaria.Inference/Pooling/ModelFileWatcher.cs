using Microsoft.Extensions.Logging;

namespace Malaria.Inference.Pooling;

/// <summary>
/// Watches a model file and its <c>model.json</c> and calls back once the folder has been quiet for the debounce
/// period: a copy or an atomic rename raises several events, and the reload must see the finished file. When either
/// is a symbolic link, every change in the folder counts: Kubernetes ConfigMap and Secret volumes deploy by swapping
/// a <c>..data</c> link the files point through, and no event ever names the files themselves.
/// </summary>
internal sealed class ModelFileWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly TimeSpan _debounce;
    private readonly string _modelFile;
    private readonly ILogger _logger;
    private readonly bool _anyChangeCounts;
    private int _disposed;

    public ModelFileWatcher(string modelPath, TimeSpan debounce, Action onSettled, ILogger logger)
    {
        var full = Path.GetFullPath(modelPath);
        _modelFile = Path.GetFileName(full);
        _debounce = debounce;
        _logger = logger;
        _anyChangeCounts = IsSymbolicLink(full) || IsSymbolicLink(ModelCard.PathBeside(full));
        _timer = new Timer(_ => { if (Volatile.Read(ref _disposed) == 0) onSettled(); }, null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Error += OnError;
        _watcher.EnableRaisingEvents = true;
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        var name = Path.GetFileName(e.FullPath);
        if (_anyChangeCounts || string.Equals(name, _modelFile, StringComparison.Ordinal) || string.Equals(name, ModelCard.FileName, StringComparison.Ordinal))
            Restart();
    }

    private static bool IsSymbolicLink(string path) =>
        File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;

    private void OnError(object sender, ErrorEventArgs e)
    {
        // Events may have been lost (buffer overflow): reload anyway, a reload of an unchanged file is cheap to skip.
        _logger.LogWarning(e.GetException(), "File watcher for {ModelFile} lost events; reloading to be safe.", _modelFile);
        Restart();
    }

    private void Restart()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        try { _timer.Change(_debounce, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { /* disposed concurrently */ }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
        _timer.Dispose();
    }
}
