using Malaria.Inference;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.MlNet;

public sealed partial class MobileNetV2FeaturesTrainer
{
    /// <summary>
    /// Options for <see cref="MobileNetV2FeaturesTrainer"/>, in the spirit of ML.NET's
    /// <c>ImageClassificationTrainer.Options</c>: columns, backbone, classifier and its hyper-parameters, validation set,
    /// metrics callback and the workspace holding the bottleneck cache.
    /// </summary>
    public sealed class Options
    {
        /// <summary>Column with the decoded image (<c>MLImage</c>). Default: <c>Image</c>.</summary>
        public string ImageColumnName { get; set; } = ModelColumns.Image;

        /// <summary>Key-typed label column with key values (from <c>MapValueToKey</c>). Default: <c>Label</c>.</summary>
        public string LabelColumnName { get; set; } = ModelColumns.Label;

        /// <summary>
        /// Optional text column with each image's file path (absolute, or relative to the current folder). When set, the
        /// bottleneck cache is keyed by the file's SHA-256 and images are decoded only when their features are missing;
        /// when null, every image is decoded and keyed by the SHA-256 of its pixels. Default: null.
        /// </summary>
        public string? ImagePathColumnName { get; set; }

        /// <summary>The MobileNetV2 1.0/224 ONNX file (input <c>input</c>, output <c>features</c>). Required.</summary>
        public string BackbonePath { get; set; } = "";

        /// <summary>How images are brought to 224x224. Default: <see cref="ImageResizingEstimator.ResizingKind.Fill"/>
        /// (stretch the whole crop; on the NIH validation part it beat IsoPad and IsoCrop, see docs/experiments/).</summary>
        public ImageResizingEstimator.ResizingKind Resizing { get; set; } = ImageResizingEstimator.ResizingKind.Fill;

        /// <summary>Extra flipped/rotated views of each training image added to the classifier's training set (their
        /// features are cached too). Prediction is unaffected. Default: <see cref="ImageAugmentation.Dihedral"/> (8 views;
        /// the first run puts 8x the training images through the backbone, later runs read them from the cache).</summary>
        public ImageAugmentation Augmentation { get; set; } = ImageAugmentation.Dihedral;

        /// <summary>
        /// Test-time augmentation inside the model: the saved chain's ONNX graph is wrapped (<see cref="ViewAveragingBackbone"/>)
        /// so each image's features are the mean over its 8 rotations and mirror images; 8x the backbone work per
        /// prediction. Training is unaffected. Default: true (it raised accuracy and ROC AUC on the NIH validation part;
        /// docs/experiments/).
        /// </summary>
        public bool AverageViewsAtPrediction { get; set; } = true;

        /// <summary>The classifier trained on the features. Default: <see cref="FeatureClassifier.LbfgsMaximumEntropy"/>.</summary>
        public FeatureClassifier Classifier { get; set; } = FeatureClassifier.LbfgsMaximumEntropy;

        /// <summary>Feature rescaling before the classifier. Default: <see cref="FeatureNormalization.MeanVariance"/>.</summary>
        public FeatureNormalization Normalization { get; set; } = FeatureNormalization.MeanVariance;

        /// <summary>Random Fourier features of a Gaussian kernel (<c>ApproximatedKernelMap</c>) between the normaliser and
        /// the classifier, giving the linear classifier a non-linear boundary; 0 turns it off. Default: 0.</summary>
        public int KernelMapRank { get; set; }

        /// <summary>Gaussian kernel width parameter for <see cref="KernelMapRank"/> (exp(-gamma |x - y|^2)).
        /// Default: 1/1280, matching unit-variance features.</summary>
        public float KernelGamma { get; set; } = 1f / MobileNetV2Backbone.FeatureCount;

        /// <summary>L1 regularisation weight. Default: 100 (chosen with <see cref="L2Regularization"/> on the validation
        /// part of the NIH data; the sparse model generalised best).</summary>
        public float L1Regularization { get; set; } = 100f;

        /// <summary>L2 regularisation weight. Default: 30 (see <see cref="L1Regularization"/>).</summary>
        public float L2Regularization { get; set; } = 30f;

        /// <summary>L-BFGS convergence tolerance (SDCA: its convergence tolerance). Default: 1e-7.</summary>
        public float OptimizationTolerance { get; set; } = 1e-7f;

        /// <summary>Iteration cap (L-BFGS iterations or SDCA passes); null keeps the trainer's own default. Default: null.</summary>
        public int? MaximumNumberOfIterations { get; set; }

        /// <summary>L-BFGS memory (number of past gradients kept). Default: 20.</summary>
        public int HistorySize { get; set; } = 20;

        /// <summary>Optional validation data with the same columns as the training data; its metrics are reported through
        /// <see cref="MetricsCallback"/>. Never the test part. Default: null.</summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>Receives train and validation metrics after the classifier is fitted. Default: null.</summary>
        public Action<FeatureTrainingMetrics>? MetricsCallback { get; set; }

        /// <summary>Receives bottleneck extraction progress (called from worker threads). Default: null.</summary>
        public IProgress<BottleneckProgress>? ProgressCallback { get; set; }

        /// <summary>Folder holding the bottleneck cache; reused across runs. Default: <c>malaria-bottleneck</c> in the
        /// temporary folder.</summary>
        public string WorkspacePath { get; set; } = Path.Combine(Path.GetTempPath(), "malaria-bottleneck");

        /// <summary>Seed of the ML.NET context the catalog entry point creates (SDCA shuffling). Default: 1.</summary>
        public int Seed { get; set; } = 1;

        /// <summary>Parallel backbone sessions used for extraction. Default: the processor count.</summary>
        public int ExtractionWorkers { get; set; } = Environment.ProcessorCount;
    }
}
