using Malaria.Inference.Explainability;
using Malaria.Inference.Models;
using Microsoft.ML.Data;

namespace Malaria.Inference;

/// <summary>
/// Classifies and explains cell images with one model. <see cref="MalariaClassifier"/> implements it; depend on this
/// interface (dependency injection registers it for the model named <c>default</c>) so your code can be tested with
/// a fake.
/// </summary>
public interface IMalariaClassifier
{
    /// <summary>The model's name (its pool name, or the file name without extension).</summary>
    string Name { get; }

    /// <summary>The model serving now: labels, input size, version, card and load time.</summary>
    ModelInfo Model { get; }

    /// <summary>The serving model's version (see <see cref="ModelInfo.Version"/>).</summary>
    string Version { get; }

    /// <summary>Labels in score order.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>Whether the serving model can explain its predictions (it has a class activation output).</summary>
    bool CanExplain { get; }

    /// <summary>Classifies a decoded image. The image is not disposed.</summary>
    CellPrediction Classify(MLImage image);

    /// <summary>Classifies an image file (PNG, JPEG or BMP).</summary>
    CellPrediction Classify(string imagePath);

    /// <summary>Classifies an encoded image read from a stream (to its end).</summary>
    CellPrediction Classify(Stream imageStream, string? sourceName = null);

    /// <summary>Classifies an encoded image held in memory.</summary>
    CellPrediction Classify(ReadOnlyMemory<byte> encodedImage, string? sourceName = null);

    /// <summary>Reads an encoded image from a stream asynchronously (as ASP.NET Core request bodies must be read), then classifies it.</summary>
    Task<CellPrediction> ClassifyAsync(Stream imageStream, string? sourceName = null, CancellationToken cancellationToken = default);

    /// <summary>Classifies decoded images in batched model runs; results keep the input order.</summary>
    IReadOnlyList<CellPrediction> ClassifyBatch(IReadOnlyList<MLImage> images);

    /// <summary>Decodes and classifies image files in batched model runs; results keep the input order.</summary>
    IReadOnlyList<CellPrediction> ClassifyBatch(IEnumerable<string> imagePaths);

    /// <summary>Classifies a decoded image and computes the Grad-CAM heatmap of <paramref name="targetLabel"/> (default: the predicted label).</summary>
    CellExplanation Explain(MLImage image, string? targetLabel = null);

    /// <summary>Explains an image file.</summary>
    CellExplanation Explain(string imagePath, string? targetLabel = null);

    /// <summary>Explains an encoded image read from a stream.</summary>
    CellExplanation Explain(Stream imageStream, string? sourceName = null, string? targetLabel = null);

    /// <summary>Explains an encoded image held in memory.</summary>
    CellExplanation Explain(ReadOnlyMemory<byte> encodedImage, string? sourceName = null, string? targetLabel = null);

    /// <summary>Reads an encoded image from a stream asynchronously, then explains it.</summary>
    Task<CellExplanation> ExplainAsync(Stream imageStream, string? sourceName = null, string? targetLabel = null, CancellationToken cancellationToken = default);

    /// <summary>Explains image files in order, each against its predicted label.</summary>
    IReadOnlyList<CellExplanation> ExplainBatch(IEnumerable<string> imagePaths);
}
