using Microsoft.ML;
using Microsoft.ML.Data;

namespace Malaria.Training.MlNet;

/// <summary>
/// Turns a data view of images and key labels into backbone features, taking what it can from the
/// <see cref="BottleneckCache"/> and putting only the missing images through the backbone. Two passes over the data:
/// the first computes every row's cache key (file or pixel hash), the second decodes only the images that miss.
/// </summary>
public sealed class BottleneckFeaturizer
{
    private readonly MLContext _mlContext;
    private readonly MobileNetV2FeaturesTrainer.Options _options;
    private readonly Lazy<BottleneckCache> _cache;

    /// <summary>Creates a featurizer for the backbone, preprocessing and workspace in <paramref name="options"/>.</summary>
    public BottleneckFeaturizer(MLContext mlContext, MobileNetV2FeaturesTrainer.Options options)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        MobileNetV2Backbone.RequireFile(options.BackbonePath);
        _cache = new Lazy<BottleneckCache>(() =>
        {
            var fingerprint = BottleneckCache.FingerprintOf(MobileNetV2Backbone.Sha256(options.BackbonePath),
                MobileNetV2Backbone.PreprocessingDescription(options.Resizing));
            return BottleneckCache.Open(options.WorkspacePath, fingerprint, MobileNetV2Backbone.FeatureCount);
        });
    }

    /// <summary>The cache in use (opened on first use).</summary>
    public BottleneckCache Cache => _cache.Value;

    /// <summary>
    /// Features for every row of <paramref name="data"/>; <paramref name="stage"/> names it in progress reports. With an
    /// <paramref name="augmentation"/>, each row gives one feature vector per view, row after row (identity first).
    /// </summary>
    public BottleneckFeatures Featurize(IDataView data, string stage, ImageAugmentation augmentation = ImageAugmentation.None)
    {
        var variants = ImageVariants.Of(augmentation);
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        var labelNames = MobileNetV2FeaturesTrainer.LabelNamesOf(schema, _options.LabelColumnName);
        var image = MobileNetV2FeaturesTrainer.RequireImageColumn(schema, _options.ImageColumnName);
        var path = _options.ImagePathColumnName is null ? (DataViewSchema.Column?)null
            : MobileNetV2FeaturesTrainer.RequireTextColumn(schema, _options.ImagePathColumnName);
        var label = schema[_options.LabelColumnName];
        var cache = Cache;

        // Pass 1: keys and labels.
        var keys = new List<string>();
        var sources = new List<string?>();
        var labels = new List<uint>();
        using (var cursor = data.GetRowCursor(path is { } p ? [label, p] : [label, image]))
        {
            var labelGetter = cursor.GetGetter<uint>(label);
            var pathGetter = path is { } pc ? cursor.GetGetter<ReadOnlyMemory<char>>(pc) : null;
            var imageGetter = path is null ? cursor.GetGetter<MLImage?>(image) : null;
            uint key = 0;
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                labelGetter(ref key);
                if (pathGetter is not null)
                {
                    pathGetter(ref text);
                    var file = text.ToString();
                    keys.Add(BottleneckCache.KeyOfFile(file));
                    sources.Add(file);
                }
                else
                {
                    MLImage? decoded = null;
                    imageGetter!(ref decoded);
                    if (decoded is null) throw new InvalidDataException($"{stage} row {labels.Count + 1}: column '{image.Name}' has no image.");
                    keys.Add(BottleneckCache.KeyOfPixels(decoded.Width, decoded.Height, decoded.Pixels));
                    sources.Add(null);
                }
                labels.Add(key);
            }
        }

        // Pass 2: decode and extract only what the cache lacks (each distinct key once).
        var viewKeys = keys.SelectMany(k => variants.Select(v => VariantKey(k, v))).ToList();
        var missing = new HashSet<string>(viewKeys.Where(k => !cache.TryGet(k, out _)), StringComparer.Ordinal);
        var toCompute = missing.Count;
        var fromCache = viewKeys.Count - viewKeys.Count(missing.Contains);
        _options.ProgressCallback?.Report(new BottleneckProgress(stage, 0, toCompute, fromCache));
        if (toCompute > 0)
        {
            var extractor = new BottleneckExtractor(_mlContext, _options.BackbonePath, _options.Resizing, _options.ExtractionWorkers);
            extractor.Extract(MissingImages(data, image, keys, sources, variants, missing, stage), cache,
                done => _options.ProgressCallback?.Report(new BottleneckProgress(stage, done, toCompute, fromCache)));
            cache.Save();
        }

        var features = new float[viewKeys.Count][];
        for (var i = 0; i < viewKeys.Count; i++)
        {
            if (!cache.TryGet(viewKeys[i], out var stored))
                throw new InvalidOperationException($"{stage} row {i / variants.Count + 1}: features were not computed.");
            features[i] = stored;
        }
        var viewLabels = labels.SelectMany(l => Enumerable.Repeat(l, variants.Count)).ToArray();
        return new BottleneckFeatures(features, viewLabels, labelNames, fromCache, toCompute);
    }

    /// <summary>The cache key of one view of an image; the identity view shares the image's own key.</summary>
    public static string VariantKey(string imageKey, ImageVariant variant) =>
        variant == ImageVariant.Identity ? imageKey : $"{imageKey}|{variant}";

    private static IEnumerable<(string Key, MLImage Image)> MissingImages(IDataView data, DataViewSchema.Column image,
        List<string> keys, List<string?> sources, IReadOnlyList<ImageVariant> variants, HashSet<string> missing, string stage)
    {
        var pending = new HashSet<string>(missing, StringComparer.Ordinal);
        using var cursor = data.GetRowCursor([image]);
        var getter = cursor.GetGetter<MLImage?>(image);
        var row = 0;
        while (cursor.MoveNext() && pending.Count > 0)
        {
            var key = keys[row++];
            var wanted = variants.Where(v => pending.Remove(VariantKey(key, v))).ToList();
            if (wanted.Count == 0) continue;
            MLImage? decoded = null;
            var where = sources[row - 1] is { } file ? $"Image '{file}'" : $"{stage} row {row}";
            try { getter(ref decoded); }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{where} could not be decoded: {ex.Message}", ex);
            }
            if (decoded is null) throw new InvalidDataException($"{where}: column '{image.Name}' has no image.");
            // The cursor owns (and disposes) the images it hands out; the workers get copies of their own.
            foreach (var variant in wanted)
                yield return (VariantKey(key, variant), ImageVariants.Apply(decoded, variant));
        }
    }
}
