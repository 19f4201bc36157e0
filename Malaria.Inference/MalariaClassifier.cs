using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Malaria.Inference.Batching;
using Malaria.Inference.Diagnostics;
using Malaria.Inference.Explainability;
using Malaria.Inference.Imaging;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.Data;

namespace Malaria.Inference;

/// <summary>
/// Classifies cell images with one model: the built-in one (<see cref="LoadDefault"/>) or a model file (ML.NET
/// <c>model.zip</c> or <c>.onnx</c>, with <c>model.json</c> beside it). Thread-safe: every call rents an engine from
/// a bounded pool. A file model can be replaced while serving (<see cref="Reload"/>, or automatically when the file
/// changes): calls already running finish on the model they started with, and the old model is disposed after the
/// last of them.
/// </summary>
public sealed class MalariaClassifier : IMalariaClassifier, IDisposable
{
    private readonly MalariaClassifierOptions _options;
    private readonly ILogger _logger;
    private readonly ServingModel _serving;

    private MalariaClassifier(string name, ModelSource source, MalariaClassifierOptions options, ILogger logger, bool watchForChanges)
    {
        options.Validate();
        Name = name;
        _options = options;
        _logger = logger;
        _serving = new ServingModel(name, source, options, logger, watchForChanges,
            e => EventRaising.RaiseEach(Reloaded, this, e, _logger, Name),
            e => EventRaising.RaiseEach(ReloadFailed, this, e, _logger, Name));
    }

    /// <summary>
    /// Loads the model built into this package (see MODEL_CARD.md in the package for what it is and how well it
    /// does): the caller needs no model file. It is read from the assembly into memory; nothing is written to disk.
    /// </summary>
    public static MalariaClassifier LoadDefault(MalariaClassifierOptions? options = null, ILogger? logger = null) =>
        new(MalariaPredictionEnginePool.DefaultModelName, ModelSource.BuiltIn, options ?? new(), logger ?? NullLogger.Instance, watchForChanges: false);

    /// <summary>
    /// Loads a model file and the <c>model.json</c> beside it.
    /// </summary>
    /// <param name="modelPath">An ML.NET model zip or an ONNX file.</param>
    /// <param name="options">Limits, pool size and reload timing; defaults when null.</param>
    /// <param name="watchForChanges">Reload automatically when the file (or its model.json) changes.</param>
    /// <param name="logger">Receives load, reload and failure messages.</param>
    /// <exception cref="ModelLoadException">The file or its card is missing, unreadable or breaks the column contract.</exception>
    public static MalariaClassifier Load(string modelPath, MalariaClassifierOptions? options = null, bool watchForChanges = false, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return new MalariaClassifier(Path.GetFileNameWithoutExtension(modelPath), ModelSource.FromFile(modelPath), options ?? new(), logger ?? NullLogger.Instance, watchForChanges);
    }

    internal static MalariaClassifier Create(string name, ModelSource source, MalariaClassifierOptions options, ILogger logger, bool watchForChanges) =>
        new(name, source, options, logger, watchForChanges);

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The model file (watched when loaded with <c>watchForChanges</c>); null for the built-in model.</summary>
    public string? ModelPath => _serving.FilePath;

    /// <inheritdoc/>
    public ModelInfo Model => _serving.Info;

    /// <inheritdoc/>
    public string Version => Model.Version;

    /// <summary>When the serving model was loaded.</summary>
    public DateTimeOffset LoadedAt => Model.LoadedAt;

    /// <inheritdoc/>
    public IReadOnlyList<string> Labels => Model.Labels;

    /// <summary>The limits applied to encoded inputs.</summary>
    public ImageLimits ImageLimits => _options.ImageLimits;

    /// <summary>The failure of the most recent reload, or null when it succeeded (or none was tried).</summary>
    public ModelReloadFailure? LastReloadFailure => _serving.LastReloadFailure;

    /// <summary>Raised after a new model has replaced the serving one.</summary>
    public event EventHandler<ModelReloadedEventArgs>? Reloaded;

    /// <summary>Raised when a reload failed; the serving model is unchanged.</summary>
    public event EventHandler<ModelReloadFailedEventArgs>? ReloadFailed;

    /// <inheritdoc/>
    public bool CanExplain => _serving.Run((_, engine) => engine.CanExplain);

    /// <inheritdoc/>
    public CellPrediction Classify(MLImage image, ScoringViews? views = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var requested = Requested(views);
        var started = Stopwatch.GetTimestamp();
        using var normalized = Normalize(image, out var warnings);
        var prediction = _serving.Run((model, engine) =>
        {
            using var prepared = Prepare(model, normalized ?? image);
            return ToPrediction(model, engine.Score(prepared ?? normalized ?? image, model.ViewsToApply(requested)), warnings, model.ScoredViewsFor(requested));
        });
        MalariaInferenceMetrics.RecordPrediction(Name, prediction.Label, Stopwatch.GetElapsedTime(started).TotalSeconds, "classify");
        return prediction;
    }

    /// <inheritdoc/>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidImageException">The file is not a usable image; the message names it.</exception>
    public CellPrediction Classify(string imagePath, ScoringViews? views = null)
    {
        using var image = DecodeFile(imagePath);
        return Classify(image, views);
    }

    /// <inheritdoc/>
    /// <param name="imageStream">PNG, JPEG or BMP bytes.</param>
    /// <param name="sourceName">Named in error messages (e.g. the upload's file name).</param>
    /// <param name="views">The views to average; null: <see cref="MalariaClassifierOptions.Views"/>.</param>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public CellPrediction Classify(Stream imageStream, string? sourceName = null, ScoringViews? views = null)
    {
        using var image = Decode(imageStream, sourceName);
        return Classify(image, views);
    }

    /// <inheritdoc/>
    /// <remarks>The model run itself is synchronous CPU work.</remarks>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public async Task<CellPrediction> ClassifyAsync(Stream imageStream, string? sourceName = null, ScoringViews? views = null, CancellationToken cancellationToken = default)
    {
        using var image = await DecodeAsync(imageStream, sourceName, cancellationToken).ConfigureAwait(false);
        return Classify(image, views);
    }

    /// <inheritdoc/>
    /// <param name="encodedImage">PNG, JPEG or BMP bytes.</param>
    /// <param name="sourceName">Named in error messages.</param>
    /// <param name="views">The views to average; null: <see cref="MalariaClassifierOptions.Views"/>.</param>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public CellPrediction Classify(ReadOnlyMemory<byte> encodedImage, string? sourceName = null, ScoringViews? views = null)
    {
        using var image = Decode(encodedImage, sourceName);
        return Classify(image, views);
    }

    /// <summary>
    /// Classifies decoded images in model runs of <see cref="MalariaClassifierOptions.BatchSize"/>; results keep the
    /// input order and all come from the same model, even if a reload happens meanwhile.
    /// </summary>
    public IReadOnlyList<CellPrediction> ClassifyBatch(IReadOnlyList<MLImage> images, ScoringViews? views = null)
    {
        var requested = Requested(views);
        ArgumentNullException.ThrowIfNull(images);
        for (var i = 0; i < images.Count; i++)
            if (images[i] is null) throw new ArgumentException($"Image {i} of the batch is null.", nameof(images));
        if (images.Count == 0) return [];
        var started = Stopwatch.GetTimestamp();
        var results = _serving.Run((model, engine) =>
        {
            var predictions = new List<CellPrediction>(images.Count);
            for (var start = 0; start < images.Count; start += _options.BatchSize)
            {
                var chunk = images.Skip(start).Take(_options.BatchSize).ToList();
                var warnings = new InputWarnings[chunk.Count];
                var normalized = chunk.Select((image, i) => Normalize(image, out warnings[i])).ToList();
                var prepared = chunk.Select((image, i) => Prepare(model, normalized[i] ?? image)).ToList();
                try
                {
                    var scored = engine.ScoreBatch(prepared.Select((p, i) => p ?? normalized[i] ?? chunk[i]).ToList(), model.ViewsToApply(requested));
                    for (var i = 0; i < scored.Length; i++) predictions.Add(ToPrediction(model, scored[i], warnings[i], model.ScoredViewsFor(requested)));
                }
                finally
                {
                    foreach (var image in prepared) image?.Dispose();
                    foreach (var image in normalized) image?.Dispose();
                }
            }
            return predictions;
        });
        MalariaInferenceMetrics.RecordBatch(Name, results, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return results;
    }

    /// <summary>
    /// Decodes and classifies image files; results keep the input order and all come from the same model. Files are
    /// read, decoded and prepared on every core while the model scores the ones before them, in runs of at most
    /// <see cref="MalariaClassifierOptions.BatchSize"/> images, several runs at once
    /// (<see cref="MalariaClassifierOptions.ScoringThreads"/>); the files read ahead are bounded, and the decoded pixels
    /// held stay within <see cref="ImageLimits.MaxBatchDecodedBytes"/>. A file that is not a usable image fails the call
    /// with an <see cref="InvalidImageException"/> naming it (the first such file in input order).
    /// </summary>
    public IReadOnlyList<CellPrediction> ClassifyBatch(IEnumerable<string> imagePaths, ScoringViews? views = null)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        var requested = Requested(views);
        var started = Stopwatch.GetTimestamp();
        var slots = ScoringSlots();
        List<CellPrediction> results;
        // A bad file is not the engine's failure: it is carried out of the loop and thrown after the engines are returned.
        ExceptionDispatchInfo? failure = null;
        var generation = _serving.Acquire();
        try
        {
            var model = generation.Info;
            using var pipeline = new DecodePipeline<PreparedImage>(imagePaths, (path, bytes, header) => PrepareFile(model, path, bytes, header),
                _options.ImageLimits, window: (ChunkScoringStage<PreparedImage, CellPrediction>.MaxChunksHeld(slots) + 1) * _options.BatchSize, workers: DecodeWorkers(imagePaths));
            using var stage = new ChunkScoringStage<PreparedImage, CellPrediction>(slots,
                chunk => generation.Run((info, engine) => ScoreChunk(info, engine, chunk, requested)),
                (chunk, held) =>
                {
                    foreach (var image in chunk) image.Dispose();
                    pipeline.Release(held, chunk.Count);
                });
            var chunk = new List<PreparedImage>(_options.BatchSize);
            long held = 0;
            void Submit()
            {
                // The stage owns the chunk from here on, also when Submit throws.
                var submitted = chunk;
                chunk = new List<PreparedImage>(_options.BatchSize);
                var cost = held;
                held = 0;
                stage.Submit(submitted, cost);
            }
            try
            {
                while (true)
                {
                    DecodePipeline<PreparedImage>.State state;
                    PreparedImage? next;
                    long cost;
                    try { state = pipeline.Next(holding: chunk.Count > 0 || stage.InFlight > 0, out next, out cost); }
                    catch (Exception ex)
                    {
                        // A file's or the listing's own failure, never the engine's.
                        failure = ExceptionDispatchInfo.Capture(ex);
                        break;
                    }
                    if (state == DecodePipeline<PreparedImage>.State.End) break;
                    if (state == DecodePipeline<PreparedImage>.State.ReleaseFirst)
                    {
                        if (chunk.Count > 0) Submit();
                        else stage.WaitForOne();
                        continue;
                    }
                    chunk.Add(next!);
                    held += cost;
                    if (chunk.Count == _options.BatchSize) Submit();
                }
                if (failure is null && chunk.Count > 0) Submit();
                results = stage.Finish();
            }
            finally
            {
                foreach (var image in chunk) image.Dispose();
            }
        }
        finally { generation.Release(); }
        if (failure is not null)
        {
            if (failure.SourceException is InvalidImageException invalid) MalariaInferenceMetrics.RecordRejected(Name, invalid.Reason);
            failure.Throw();
        }
        MalariaInferenceMetrics.RecordBatch(Name, results, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return results;
    }

    private static CellPrediction[] ScoreChunk(ModelInfo model, ScoringEngine engine, IReadOnlyList<PreparedImage> chunk, ScoringViews requested)
    {
        var scored = engine.ScoreBatch(chunk.Select(c => c.Image).ToList(), model.ViewsToApply(requested));
        var predictions = new CellPrediction[scored.Length];
        for (var i = 0; i < scored.Length; i++) predictions[i] = ToPrediction(model, scored[i], chunk[i].Warnings, model.ScoredViewsFor(requested));
        return predictions;
    }

    /// <summary>Model runs of one batch call at once: the option, else one per core when each run takes one thread.</summary>
    private int ScoringSlots() => _options.ScoringThreads ?? (_options.OnnxIntraOpThreads == 1 ? Environment.ProcessorCount : 1);

    /// <summary>No more decoding threads than files, when the count is known without enumerating.</summary>
    private int DecodeWorkers(IEnumerable<string> paths) =>
        paths.TryGetNonEnumeratedCount(out var count) ? Math.Clamp(count, 1, _options.DecodeThreads) : _options.DecodeThreads;

    /// <summary>A decoded file as the model will score it (framed and resized), with its input warnings.</summary>
    private sealed class PreparedImage(MLImage image, InputWarnings warnings) : IDisposable
    {
        public MLImage Image { get; } = image;

        public InputWarnings Warnings { get; } = warnings;

        public void Dispose() => Image.Dispose();
    }

    /// <summary>Decodes a checked file, frames and resizes it for <paramref name="model"/>, and keeps only the result.</summary>
    private PreparedImage PrepareFile(ModelInfo model, string path, ReadOnlyMemory<byte> bytes, ImageHeader header)
    {
        var decoded = ImageDecoder.Decode(bytes.Span, header, path);
        MLImage? normalized = null;
        MLImage? prepared = null;
        try
        {
            normalized = Normalize(decoded, out var warnings);
            prepared = Prepare(model, normalized ?? decoded);
            var kept = prepared ?? normalized ?? decoded;
            // Only the image to score is kept: the decoded original and the framed crop go at once.
            if (!ReferenceEquals(kept, decoded)) decoded.Dispose();
            if (normalized is not null && !ReferenceEquals(kept, normalized)) normalized.Dispose();
            return new PreparedImage(kept, warnings);
        }
        catch
        {
            prepared?.Dispose();
            normalized?.Dispose();
            decoded.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The model has no class activation output (see <see cref="CanExplain"/>).</exception>
    /// <exception cref="ArgumentException">The model has no label <paramref name="targetLabel"/>.</exception>
    public CellExplanation Explain(MLImage image, string? targetLabel = null, ScoringViews? views = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var requested = Requested(views);
        var started = Stopwatch.GetTimestamp();
        // An isolated cell is explained as the model saw it: the heatmap and overlay are of the isolated crop.
        using var normalized = Normalize(image, out var warnings);
        var seen = normalized ?? image;
        var explanation = _serving.Run((model, engine) =>
        {
            var labels = model.Labels;
            var target = targetLabel is null ? -1 : IndexOfLabel(labels, targetLabel);
            ClassActivation activation;
            using (var prepared = Prepare(model, seen)) activation = engine.Explain(prepared ?? seen, model.ViewsToApply(requested));
            var prediction = ToPrediction(model, activation.Scores, warnings, model.ScoredViewsFor(requested));
            if (target < 0) target = IndexOfLabel(labels, prediction.Label);
            var heatmap = Heatmap.FromActivationMap(activation.MapOf(target), activation.MapWidth, activation.MapHeight, seen.Width, seen.Height);
            return new CellExplanation(prediction, labels[target], heatmap, seen);
        });
        MalariaInferenceMetrics.RecordPrediction(Name, explanation.Prediction.Label, Stopwatch.GetElapsedTime(started).TotalSeconds, "explain");
        return explanation;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidImageException">The file is not a usable image; the message names it.</exception>
    public CellExplanation Explain(string imagePath, string? targetLabel = null, ScoringViews? views = null)
    {
        using var image = DecodeFile(imagePath);
        return Explain(image, targetLabel, views);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public CellExplanation Explain(Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null)
    {
        using var image = Decode(imageStream, sourceName);
        return Explain(image, targetLabel, views);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public CellExplanation Explain(ReadOnlyMemory<byte> encodedImage, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null)
    {
        using var image = Decode(encodedImage, sourceName);
        return Explain(image, targetLabel, views);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidImageException">The data is not a usable image.</exception>
    public async Task<CellExplanation> ExplainAsync(Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null, CancellationToken cancellationToken = default)
    {
        using var image = await DecodeAsync(imageStream, sourceName, cancellationToken).ConfigureAwait(false);
        return Explain(image, targetLabel, views);
    }

    /// <inheritdoc/>
    public IReadOnlyList<CellExplanation> ExplainBatch(IEnumerable<string> imagePaths, ScoringViews? views = null)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        Requested(views);
        // Explanations run one image at a time: the maps are small, and each needs its own image kept for the overlay.
        return imagePaths.Select(path => Explain(path, views: views)).ToList();
    }

    /// <summary>
    /// Reads the model file again and, if it changed and loads, swaps it in. Returns true when the file's model is
    /// serving (also when it was unchanged, and always for the built-in model); false when it failed to load: the
    /// failure is logged, kept in <see cref="LastReloadFailure"/>, <see cref="ReloadFailed"/> is raised and the
    /// previous model keeps serving.
    /// </summary>
    public bool Reload() => _serving.Reload();

    /// <summary>The serving generation, for tests that check disposal.</summary>
    internal ModelGeneration CurrentGeneration => _serving.CurrentGeneration;

    /// <summary>Takes a reference on the serving generation, as a call in flight holds it; for tests of reloads.</summary>
    internal ModelGeneration Acquire() => _serving.Acquire();

    // Decoding: every refused input is counted by reason, then the exception goes on to the caller unchanged.
    private MLImage DecodeFile(string path)
    {
        try { return ImageDecoder.DecodeFile(path, _options.ImageLimits); }
        catch (InvalidImageException ex) when (MalariaInferenceMetrics.RecordRejected(Name, ex.Reason)) { throw; }
    }

    private MLImage Decode(Stream stream, string? sourceName)
    {
        try { return ImageDecoder.Decode(stream, sourceName, _options.ImageLimits); }
        catch (InvalidImageException ex) when (MalariaInferenceMetrics.RecordRejected(Name, ex.Reason)) { throw; }
    }

    private MLImage Decode(ReadOnlyMemory<byte> data, string? sourceName)
    {
        try { return ImageDecoder.Decode(data.Span, sourceName, _options.ImageLimits); }
        catch (InvalidImageException ex) when (MalariaInferenceMetrics.RecordRejected(Name, ex.Reason)) { throw; }
    }

    private async Task<MLImage> DecodeAsync(Stream stream, string? sourceName, CancellationToken cancellationToken)
    {
        try { return await ImageDecoder.DecodeAsync(stream, sourceName, _options.ImageLimits, cancellationToken).ConfigureAwait(false); }
        catch (InvalidImageException ex) when (MalariaInferenceMetrics.RecordRejected(Name, ex.Reason)) { throw; }
    }

    /// <summary>
    /// The image as the model expects it: resized here with the trainer's smooth filter when the model card asks for
    /// it (<see cref="ModelCard.SmoothResizing"/>), else null (the model's own pipeline resizes the original).
    /// </summary>
    private static MLImage? Prepare(ModelInfo model, MLImage image)
    {
        if (!string.Equals(model.Card.Resizing, ModelCard.SmoothResizing, StringComparison.Ordinal)) return null;
        return SmoothResizer.Resize(image, model.InputWidth, model.InputHeight);
    }

    private static int IndexOfLabel(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
            if (string.Equals(labels[i], label, StringComparison.Ordinal)) return i;
        throw new ArgumentException($"The model has no label '{label}'; its labels are {string.Join(", ", labels)}.", nameof(label));
    }

    /// <summary>Turns a model's scores into a prediction; <paramref name="scoredViews"/> is how many views they average (1 or 8).</summary>
    private static CellPrediction ToPrediction(ModelInfo model, float[] scores, InputWarnings warnings, int scoredViews) =>
        CellPrediction.FromModelScores(model.RuleFor(scoredViews), scores, model.Version, warnings);

    /// <summary>The views a call asks for: its own, else the options'.</summary>
    private ScoringViews Requested(ScoringViews? views)
    {
        var requested = views ?? _options.Views;
        if (!Enum.IsDefined(requested))
            throw new ArgumentOutOfRangeException(nameof(views), requested, $"Views must be {ScoringViews.Single} (1) or {ScoringViews.Dihedral} (8).");
        return requested;
    }

    /// <summary>
    /// Checks the input against the training domain and, when <see cref="MalariaClassifierOptions.FrameCrops"/> is on
    /// and the crop is framed unlike the training crops, returns it framed like them (else null: score it as it is).
    /// </summary>
    private MLImage? Normalize(MLImage image, out InputWarnings warnings)
    {
        warnings = InputDomain.Assess(image);
        const InputWarnings framing = InputWarnings.NoMaskedBackground | InputWarnings.LooseCrop;
        return _options.FrameCrops && (warnings & framing) != 0 ? CropFraming.Frame(image) : null;
    }

    /// <summary>Stops watching and releases the model once no call is using it.</summary>
    public void Dispose() => _serving.Dispose();
}
