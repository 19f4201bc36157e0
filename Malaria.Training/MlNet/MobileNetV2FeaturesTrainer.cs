using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Transforms.Onnx;

namespace Malaria.Training.MlNet;

/// <summary>
/// Transfer learning on a frozen, ImageNet-pretrained MobileNetV2: the backbone turns each image into 1,280 features
/// (computed once and kept in a bottleneck cache) and an ML.NET multiclass trainer learns the classes from them.
/// <see cref="Fit"/> returns a chain of stock ML.NET transformers (resize, pixels, ONNX backbone, optional normaliser,
/// multiclass predictor) that reads the image column and writes <c>Score</c> and a key-typed <c>PredictedLabel</c>,
/// so the saved model loads anywhere ML.NET, ImageAnalytics and the ONNX transformer are available.
/// Reach it through <c>mlContext.MulticlassClassification.Trainers.MobileNetV2Features(options)</c>.
/// </summary>
public sealed partial class MobileNetV2FeaturesTrainer : IEstimator<TransformerChain<ITransformer>>
{
    private readonly MLContext _mlContext;
    private readonly Options _options;

    /// <summary>Creates the trainer; prefer the catalog extension method.</summary>
    public MobileNetV2FeaturesTrainer(MLContext mlContext, Options options)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        MobileNetV2Backbone.RequireFile(options.BackbonePath);
        Featurizer = new BottleneckFeaturizer(mlContext, options);
    }

    /// <summary>The cache-backed featurizer this trainer uses; callers can reuse it to score other parts cheaply.</summary>
    public BottleneckFeaturizer Featurizer { get; }

    /// <summary>Features of the last <see cref="Fit"/>'s training data (null before the first fit).</summary>
    public BottleneckFeatures? LastTrainingFeatures { get; private set; }

    /// <summary>Extracts (or reads cached) features, fits the classifier and returns the whole image-to-score chain.</summary>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        LabelNamesOf(input.Schema, _options.LabelColumnName);
        RequireImageColumn(input.Schema, _options.ImageColumnName);

        var featurizer = MobileNetV2Backbone.Featurizer(_mlContext, PredictionBackbonePath(), _options.ImageColumnName, _options.Resizing).Fit(input);
        var featureType = FeatureTypeOf(featurizer, input.Schema);

        var train = Featurizer.Featurize(input, "train", _options.Augmentation);
        LastTrainingFeatures = train;
        var validation = _options.ValidationSet is null ? null : Featurizer.Featurize(_options.ValidationSet, "validation");

        var trainView = ToDataView(_mlContext, train, featureType, _options.LabelColumnName);
        var watch = Stopwatch.StartNew();
        var head = new List<ITransformer>();
        var normalizer = CreateNormalizer()?.Fit(trainView);
        if (normalizer is not null) head.Add(normalizer);
        var normalized = normalizer?.Transform(trainView) ?? trainView;
        var kernelMap = CreateKernelMap()?.Fit(normalized);
        if (kernelMap is not null) head.Add(kernelMap);
        head.Add(CreateClassifier().Fit(kernelMap?.Transform(normalized) ?? normalized));
        watch.Stop();

        if (_options.MetricsCallback is { } report)
        {
            var headChain = new TransformerChain<ITransformer>([.. head]);
            report(Measure("train", headChain, trainView, train.Count, watch.Elapsed.TotalSeconds));
            if (validation is not null)
                report(Measure("validation", headChain, ToDataView(_mlContext, validation, featureType, _options.LabelColumnName),
                    validation.Count, watch.Elapsed.TotalSeconds));
        }
        return new TransformerChain<ITransformer>([.. featurizer, .. head]);
    }

    /// <summary>
    /// The ONNX file the fitted chain runs: the backbone itself, or with <see cref="Options.AverageViewsAtPrediction"/>
    /// its view-averaging wrapper, written once into the workspace (named by the backbone's hash).
    /// </summary>
    private string PredictionBackbonePath()
    {
        if (!_options.AverageViewsAtPrediction) return _options.BackbonePath;
        var path = Path.Combine(_options.WorkspacePath, $"mobilenetv2-8-view-mean-{MobileNetV2Backbone.Sha256(_options.BackbonePath)[..16]}.onnx");
        if (!File.Exists(path))
            Inference.IO.AtomicFile.WriteAllBytes(path, ViewAveragingBackbone.Wrap(File.ReadAllBytes(_options.BackbonePath)));
        return path;
    }

    /// <summary>The part of a fitted chain after the backbone (normaliser and predictor): applies to feature views.</summary>
    public static TransformerChain<ITransformer> ClassifierHead(TransformerChain<ITransformer> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = model.ToList();
        var onnx = all.FindLastIndex(t => t is OnnxTransformer);
        if (onnx < 0) throw new ArgumentException("The model has no ONNX backbone transformer.", nameof(model));
        return new TransformerChain<ITransformer>([.. all.Skip(onnx + 1)]);
    }

    /// <summary>
    /// An in-memory view of features (column <c>features</c>, typed exactly as the backbone's output) and the label as
    /// a key with the label names as key values, in their original order.
    /// </summary>
    public static IDataView ToDataView(MLContext mlContext, BottleneckFeatures features, VectorDataViewType featureType, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(features);
        var rows = new FeatureRow[features.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var key = features.LabelKeys[i];
            if (key == 0 || key > features.LabelNames.Count)
                throw new InvalidDataException($"Row {i + 1} has no label (missing or unknown key).");
            rows[i] = new FeatureRow { Features = features.Features[i], Label = features.LabelNames[(int)key - 1] };
        }
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[MobileNetV2Backbone.FeaturesTensorName].ColumnType = featureType;
        definition[nameof(FeatureRow.Label)].ColumnName = labelColumnName;
        var view = mlContext.Data.LoadFromEnumerable(rows, definition);
        var keyData = mlContext.Data.LoadFromEnumerable(features.LabelNames.Select(n => new LabelName { Name = n }));
        return mlContext.Transforms.Conversion.MapValueToKey(labelColumnName, labelColumnName, keyData: keyData)
            .Fit(view).Transform(view);
    }

    /// <summary>
    /// The type of the backbone's feature column for inputs shaped like <paramref name="inputSchema"/>; a whole fitted
    /// chain is cut after its ONNX backbone first (later steps may replace the column).
    /// </summary>
    public static VectorDataViewType FeatureTypeOf(ITransformer featurizer, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        if (featurizer is TransformerChain<ITransformer> chain)
        {
            var all = chain.ToList();
            var onnx = all.FindLastIndex(t => t is OnnxTransformer);
            if (onnx >= 0) featurizer = new TransformerChain<ITransformer>([.. all.Take(onnx + 1)]);
        }
        var column = featurizer.GetOutputSchema(inputSchema).GetColumnOrNull(MobileNetV2Backbone.FeaturesTensorName)
            ?? throw new InvalidOperationException($"The backbone did not produce a '{MobileNetV2Backbone.FeaturesTensorName}' column.");
        return column.Type is VectorDataViewType { ItemType: NumberDataViewType } vector && vector.Size == MobileNetV2Backbone.FeatureCount
            ? vector
            : throw new InvalidDataException($"The backbone's '{MobileNetV2Backbone.FeaturesTensorName}' output is {column.Type}, expected {MobileNetV2Backbone.FeatureCount} floats.");
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var image = inputSchema.FirstOrDefault(c => c.Name == _options.ImageColumnName);
        if (image.Name is null || image.ItemType is not ImageDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_options.ImageColumnName}' must hold images (MLImage).");
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null || !label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_options.LabelColumnName}' must be a key (use MapValueToKey).");
        // Exactly the stock estimators Fit composes, so the shape is theirs.
        var shape = MobileNetV2Backbone.Featurizer(_mlContext, _options.BackbonePath, _options.ImageColumnName, _options.Resizing)
            .GetOutputSchema(inputSchema);
        if (CreateNormalizer() is { } normalizer) shape = normalizer.GetOutputSchema(shape);
        if (CreateKernelMap() is { } kernelMap) shape = kernelMap.GetOutputSchema(shape);
        return CreateClassifier().GetOutputSchema(shape);
    }

    private FeatureTrainingMetrics Measure(string dataset, ITransformer head, IDataView features, int rows, double seconds)
    {
        var metrics = _mlContext.MulticlassClassification.Evaluate(head.Transform(features), _options.LabelColumnName);
        return new FeatureTrainingMetrics(dataset, rows, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss, seconds);
    }

    private IEstimator<ITransformer>? CreateNormalizer() => _options.Normalization switch
    {
        FeatureNormalization.None => null,
        FeatureNormalization.MeanVariance => _mlContext.Transforms.NormalizeMeanVariance(MobileNetV2Backbone.FeaturesTensorName),
        FeatureNormalization.MinMax => _mlContext.Transforms.NormalizeMinMax(MobileNetV2Backbone.FeaturesTensorName),
        _ => throw new ArgumentOutOfRangeException(nameof(Options.Normalization), _options.Normalization, "Unknown normalisation."),
    };

    private IEstimator<ITransformer>? CreateKernelMap() => _options.KernelMapRank <= 0 ? null
        : _mlContext.Transforms.ApproximatedKernelMap(MobileNetV2Backbone.FeaturesTensorName, rank: _options.KernelMapRank,
            useCosAndSinBases: true, generator: new Microsoft.ML.Transforms.GaussianKernel(_options.KernelGamma));

    private IEstimator<ITransformer> CreateClassifier()
    {
        var trainers = _mlContext.MulticlassClassification.Trainers;
        const string features = MobileNetV2Backbone.FeaturesTensorName;
        return _options.Classifier switch
        {
            FeatureClassifier.LbfgsMaximumEntropy => trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = _options.LabelColumnName,
                FeatureColumnName = features,
                L1Regularization = _options.L1Regularization,
                L2Regularization = _options.L2Regularization,
                OptimizationTolerance = _options.OptimizationTolerance,
                HistorySize = _options.HistorySize,
                MaximumNumberOfIterations = _options.MaximumNumberOfIterations ?? int.MaxValue,
            }),
            FeatureClassifier.SdcaMaximumEntropy => trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = _options.LabelColumnName,
                FeatureColumnName = features,
                L1Regularization = _options.L1Regularization,
                L2Regularization = _options.L2Regularization,
                ConvergenceTolerance = _options.OptimizationTolerance,
                MaximumNumberOfIterations = _options.MaximumNumberOfIterations,
            }),
            FeatureClassifier.LbfgsLogisticRegressionOneVersusAll => trainers.OneVersusAll(
                _mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
                {
                    FeatureColumnName = features,
                    L1Regularization = _options.L1Regularization,
                    L2Regularization = _options.L2Regularization,
                    OptimizationTolerance = _options.OptimizationTolerance,
                    HistorySize = _options.HistorySize,
                    MaximumNumberOfIterations = _options.MaximumNumberOfIterations ?? int.MaxValue,
                }), labelColumnName: _options.LabelColumnName),
            _ => throw new ArgumentOutOfRangeException(nameof(Options.Classifier), _options.Classifier, "Unknown classifier."),
        };
    }

    internal static string[] LabelNamesOf(DataViewSchema schema, string labelColumnName)
    {
        var column = schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"Label column '{labelColumnName}' is not in the data.");
        if (column.Type is not KeyDataViewType)
            throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"Label column '{labelColumnName}' must be a key (use MapValueToKey), not {column.Type}.");
        if (!column.HasKeyValues())
            throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"Label column '{labelColumnName}' has no key values (label names).");
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetKeyValues(ref names);
        return [.. names.DenseValues().Select(n => n.ToString())];
    }

    internal static DataViewSchema.Column RequireImageColumn(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Image column '{name}' is not in the data.");
        return column.Type is ImageDataViewType ? column
            : throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' must hold images (MLImage), not {column.Type}.");
    }

    internal static DataViewSchema.Column RequireTextColumn(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Image path column '{name}' is not in the data.");
        return column.Type is TextDataViewType ? column
            : throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' must hold file paths (text), not {column.Type}.");
    }

    private sealed class FeatureRow
    {
        [ColumnName(MobileNetV2Backbone.FeaturesTensorName)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class LabelName
    {
        public string Name { get; set; } = "";
    }
}
