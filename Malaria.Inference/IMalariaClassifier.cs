using Malaria.Inference.Explainability;
using Malaria.Inference.Models;
using Microsoft.ML.Data;

namespace Malaria.Inference;

/// <summary>
/// Classifies and explains cell images with one model. <see cref="MalariaClassifier"/> implements it; depend on this
/// interface (dependency injection registers it for the model named <c>default</c>) so your code can be tested with
/// a fake.
/// </summary>
/// <remarks>
/// Every verb takes <c>views</c>: the views of the image to average (<see cref="ScoringViews"/>); null uses
/// <see cref="MalariaClassifierOptions.Views"/>. A model whose graph already averages views is scored as it is.
/// </remarks>
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
    CellPrediction Classify(MLImage image, ScoringViews? views = null);

    /// <summary>Classifies an image file (PNG, JPEG or BMP).</summary>
    CellPrediction Classify(string imagePath, ScoringViews? views = null);

    /// <summary>Classifies an encoded image read from a stream (to its end).</summary>
    CellPrediction Classify(Stream imageStream, string? sourceName = null, ScoringViews? views = null);

    /// <summary>Classifies an encoded image held in memory.</summary>
    CellPrediction Classify(ReadOnlyMemory<byte> encodedImage, string? sourceName = null, ScoringViews? views = null);

    /// <summary>Reads an encoded image from a stream asynchronously (as ASP.NET Core request bodies must be read), then classifies it.</summary>
    Task<CellPrediction> ClassifyAsync(Stream imageStream, string? sourceName = null, ScoringViews? views = null, CancellationToken cancellationToken = default);

    /// <summary>Classifies decoded images in batched model runs; results keep the input order.</summary>
    IReadOnlyList<CellPrediction> ClassifyBatch(IReadOnlyList<MLImage> images, ScoringViews? views = null);

    /// <summary>Decodes and classifies image files in batched model runs; results keep the input order.</summary>
    IReadOnlyList<CellPrediction> ClassifyBatch(IEnumerable<string> imagePaths, ScoringViews? views = null);

    /// <summary>Classifies a decoded image and computes the Grad-CAM heatmap of <paramref name="targetLabel"/> (default: the predicted label).</summary>
    CellExplanation Explain(MLImage image, string? targetLabel = null, ScoringViews? views = null);

    /// <summary>Explains an image file.</summary>
    CellExplanation Explain(string imagePath, string? targetLabel = null, ScoringViews? views = null);

    /// <summary>Explains an encoded image read from a stream.</summary>
    CellExplanation Explain(Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null);

    /// <summary>Explains an encoded image held in memory.</summary>
    CellExplanation Explain(ReadOnlyMemory<byte> encodedImage, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null);

    /// <summary>Reads an encoded image from a stream asynchronously, then explains it.</summary>
    Task<CellExplanation> ExplainAsync(Stream imageStream, string? sourceName = null, string? targetLabel = null, ScoringViews? views = null, CancellationToken cancellationToken = default);

    /// <summary>Explains image files in order, each against its predicted label.</summary>
    IReadOnlyList<CellExplanation> ExplainBatch(IEnumerable<string> imagePaths, ScoringViews? views = null);
}
