using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.MlNet;

/// <summary>
/// Puts images through the backbone on several workers, each with its own ONNX session (one intra-op thread each):
/// per-image inference of a small network scales better across cores this way than with one session's threads.
/// Decoding stays on the caller's thread, which feeds a bounded queue so memory stays flat.
/// </summary>
internal sealed class BottleneckExtractor
{
    private readonly MLContext _mlContext;
    private readonly string _backbonePath;
    private readonly ImageResizingEstimator.ResizingKind _resizing;
    private readonly int _workers;

    public BottleneckExtractor(MLContext mlContext, string backbonePath, ImageResizingEstimator.ResizingKind resizing, int workers)
    {
        _mlContext = mlContext;
        _backbonePath = backbonePath;
        _resizing = resizing;
        _workers = Math.Max(1, workers);
    }

    /// <summary>
    /// Computes and stores in <paramref name="cache"/> the features of every (key, image) pair; images are disposed
    /// once used. Saves the cache every <paramref name="saveInterval"/> (default two minutes) so a long run that is
    /// interrupted keeps most of its work without rewriting a large cache file too often.
    /// </summary>
    public void Extract(IEnumerable<(string Key, MLImage Image)> images, BottleneckCache cache, Action<int>? computed,
        TimeSpan? saveInterval = null, CancellationToken cancellation = default)
    {
        var interval = saveInterval ?? TimeSpan.FromMinutes(2);
        var sinceSave = System.Diagnostics.Stopwatch.StartNew();
        using var queue = new BlockingCollection<(string Key, MLImage Image)>(boundedCapacity: _workers * 4);
        var done = 0;
        var failures = new ConcurrentQueue<Exception>();
        var engines = Enumerable.Range(0, _workers).Select(_ => CreateEngine()).ToArray();
        var workers = engines.Select(engine => Task.Factory.StartNew(() =>
        {
            var row = new ImageRow();
            foreach (var (key, image) in queue.GetConsumingEnumerable())
            {
                try
                {
                    if (!failures.IsEmpty) continue;
                    row.Image = image;
                    var features = engine.Predict(row).Features
                        ?? throw new InvalidOperationException("The backbone produced no features.");
                    cache.Add(key, features);
                    computed?.Invoke(Interlocked.Increment(ref done));
                }
                catch (Exception ex) { failures.Enqueue(ex); }
                finally { image.Dispose(); }
            }
        }, cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        try
        {
            foreach (var item in images)
            {
                cancellation.ThrowIfCancellationRequested();
                if (!failures.IsEmpty) { item.Image.Dispose(); break; }
                queue.Add(item, cancellation);
                if (sinceSave.Elapsed >= interval && cache.UnsavedCount > 0)
                {
                    cache.Save();
                    sinceSave.Restart();
                }
            }
        }
        finally
        {
            queue.CompleteAdding();
            Task.WaitAll(workers, CancellationToken.None);
            foreach (var engine in engines) engine.Dispose();
        }
        if (failures.TryDequeue(out var failure))
            throw new InvalidOperationException($"Feature extraction failed: {failure.Message}", failure);
    }

    private PredictionEngine<ImageRow, FeatureRow> CreateEngine()
    {
        MLImageColumnType.EnsureRegistered();
        var empty = _mlContext.Data.LoadFromEnumerable(Array.Empty<ImageRow>());
        var featurizer = MobileNetV2Backbone.Featurizer(_mlContext, _backbonePath, nameof(ImageRow.Image), _resizing,
            intraOpThreads: 1).Fit(empty);
        return _mlContext.Model.CreatePredictionEngine<ImageRow, FeatureRow>(featurizer);
    }

    private sealed class ImageRow
    {
        public MLImage? Image { get; set; }
    }

    private sealed class FeatureRow
    {
        [ColumnName(MobileNetV2Backbone.FeaturesTensorName)]
        public float[]? Features { get; set; }
    }
}
