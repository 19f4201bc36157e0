using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Transforms.Onnx;
using Malaria.Training.Data;

namespace Malaria.Training.MlNet;

/// <summary>
/// The pretrained MobileNetV2 1.0/224 ONNX graph as an ML.NET featurizer: resize to 224x224, extract planar RGB
/// pixels as raw 0..255 floats (the graph normalises itself) and run the graph up to its <c>features</c> output.
/// Training (bottleneck extraction) and the saved model both build their featurizer here, so the features a
/// classifier was trained on are exactly the ones it sees at prediction time.
/// </summary>
public static class MobileNetV2Backbone
{
    /// <summary>Side of the square input the graph expects.</summary>
    public const int InputSize = 224;

    /// <summary>Length of the global-average-pooled feature vector.</summary>
    public const int FeatureCount = 1280;

    /// <summary>Name of the graph's image input (and of the pixel column feeding it).</summary>
    public const string InputTensorName = "input";

    /// <summary>Name of the graph's bottleneck output (and of the feature column).</summary>
    public const string FeaturesTensorName = "features";

    /// <summary>Name of the intermediate column holding the resized image.</summary>
    public const string ResizedImageColumnName = "MobileNetV2.ResizedImage";

    /// <summary>
    /// Describes the preprocessing in words; part of the bottleneck cache key, so changing the preprocessing (not only
    /// the backbone file) invalidates cached features.
    /// </summary>
    public static string PreprocessingDescription(ImageResizingEstimator.ResizingKind resizing) =>
        $"resize {InputSize}x{InputSize} {resizing} center; pixels planar RGB raw 0..255; output '{FeaturesTensorName}'";

    /// <summary>Resize and pixel extraction only: turns the MLImage column into the graph's input tensor.</summary>
    public static EstimatorChain<ImagePixelExtractingTransformer> Preprocessing(MLContext mlContext, string imageColumnName,
        ImageResizingEstimator.ResizingKind resizing)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return mlContext.Transforms.ResizeImages(ResizedImageColumnName, InputSize, InputSize, imageColumnName, resizing,
                ImageResizingEstimator.Anchor.Center)
            .Append(mlContext.Transforms.ExtractPixels(InputTensorName, ResizedImageColumnName, interleavePixelColors: false));
    }

    /// <summary>
    /// Preprocessing followed by the ONNX graph; <paramref name="outputTensorName"/> is normally
    /// <see cref="FeaturesTensorName"/> (or <c>probabilities</c> to check the ImageNet head).
    /// </summary>
    public static EstimatorChain<OnnxTransformer> Featurizer(MLContext mlContext, string backbonePath, string imageColumnName,
        ImageResizingEstimator.ResizingKind resizing, int? intraOpThreads = null, string outputTensorName = FeaturesTensorName)
    {
        RequireFile(backbonePath);
        var onnx = new OnnxOptions
        {
            ModelFile = backbonePath,
            InputColumns = [InputTensorName],
            OutputColumns = [outputTensorName],
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = intraOpThreads is null ? null : 1,
        };
        return Preprocessing(mlContext, imageColumnName, resizing).Append(mlContext.Transforms.ApplyOnnxModel(onnx));
    }

    /// <summary>Lower-case hex SHA-256 of the backbone file.</summary>
    public static string Sha256(string backbonePath)
    {
        RequireFile(backbonePath);
        return FileHash.Sha256(backbonePath);
    }

    /// <summary>Throws a <see cref="FileNotFoundException"/> naming the path when the backbone is missing.</summary>
    public static void RequireFile(string backbonePath)
    {
        if (string.IsNullOrWhiteSpace(backbonePath))
            throw new ArgumentException("A MobileNetV2 ONNX backbone path is required.", nameof(backbonePath));
        if (!File.Exists(backbonePath))
            throw new FileNotFoundException(
                $"MobileNetV2 backbone '{backbonePath}' does not exist (expected mobilenetv2_1.0_224.onnx from ../shared/models/mobilenetv2-imagenet/, or pass --backbone FILE).",
                backbonePath);
    }
}
