using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Inference.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Transforms.Onnx;

namespace Malaria.Training.Export;

/// <summary>
/// Wraps an exported classifier ONNX file (see <see cref="TorchOnnxExporter"/>) in an ML.NET model zip that follows
/// <see cref="ModelColumns"/>, so the inference library loads it exactly like the transfer-learning zip: MLImage
/// <c>Image</c> -> ResizeImages (stretched to the model's square input, as the trainer resized) -> ExtractPixels (planar
/// RGB, raw 0..255; the graph normalises) -> ApplyOnnxModel -> <c>Score</c> (the graph's <c>probabilities</c>, in
/// <see cref="ModelCard.Labels"/> order) and <c>PredictedLabel</c> (<see cref="ScoreArgMaxMapping"/>, then a value
/// mapping from index to label text), plus <see cref="CamColumn"/>. The ONNX bytes are stored inside the zip, so the zip is self-contained; loading
/// it needs <see cref="ScoreArgMaxMapping.Register"/> on the context (the inference library's loader does that).
/// </summary>
internal static class OnnxModelZip
{
    /// <summary>Intermediate columns, prefixed so they cannot collide with a caller's columns.</summary>
    public const string ResizedImageColumn = "Onnx.ResizedImage";

    /// <summary>
    /// Output column with the graph's <c>cam</c> for the row: a float vector whose type carries the dimensions
    /// [1, labels, h, w] (ML.NET scores one row at a time), so Grad-CAM is available through the zip too.
    /// </summary>
    public const string CamColumn = ModelColumns.Cam;

    /// <summary>Builds the fitted pipeline for <paramref name="onnxPath"/>, whose labels and input size the card gives.</summary>
    public static ITransformer Build(MLContext mlContext, string onnxPath, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(card);
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist.", onnxPath);
        if (card.Labels.Count < 2) throw new InvalidDataException($"The model card for '{onnxPath}' must list at least two labels.");
        if (card.InputWidth < 1 || card.InputHeight < 1)
            throw new InvalidDataException($"The model card for '{onnxPath}' has no input size ({card.InputWidth}x{card.InputHeight}).");

        var indexToLabel = card.Labels.Select((label, index) => new KeyValuePair<int, string>(index, label));
        var pipeline = mlContext.Transforms.ResizeImages(ResizedImageColumn, card.InputWidth, card.InputHeight, ModelColumns.Image,
                ImageResizingEstimator.ResizingKind.Fill)
            .Append(mlContext.Transforms.ExtractPixels(TorchOnnxExporter.InputName, ResizedImageColumn, interleavePixelColors: false))
            .Append(mlContext.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = onnxPath,
                InputColumns = [TorchOnnxExporter.InputName],
                OutputColumns = [TorchOnnxExporter.ProbabilitiesName, TorchOnnxExporter.CamName],
            }))
            .Append(mlContext.Transforms.CopyColumns(ModelColumns.Score, TorchOnnxExporter.ProbabilitiesName))
            .Append(mlContext.Transforms.CopyColumns(CamColumn, TorchOnnxExporter.CamName))
            .Append(mlContext.Transforms.CustomMapping(new ScoreArgMaxMapping().GetMapping(), ScoreArgMaxMapping.ContractName))
            .Append(mlContext.Transforms.Conversion.MapValue(ModelColumns.PredictedLabel, indexToLabel, ScoreArgMaxMapping.IndexColumn))
            .Append(mlContext.Transforms.DropColumns(ResizedImageColumn, TorchOnnxExporter.InputName, TorchOnnxExporter.ProbabilitiesName,
                TorchOnnxExporter.CamName, ScoreArgMaxMapping.IndexColumn));
        return pipeline.Fit(EmptyImageView(mlContext));
    }

    /// <summary>
    /// Saves atomically without an input schema, like the transfer-learning zip: ML.NET cannot serialise an image-typed
    /// column, and the chain needs none since it binds to any view with an MLImage <c>Image</c> column.
    /// </summary>
    public static void Save(MLContext mlContext, ITransformer model, string path) =>
        AtomicFile.Write(path, stream => mlContext.Model.Save(model, null, stream));

    /// <summary>Builds and saves the zip for <paramref name="onnxPath"/> in one step.</summary>
    public static void Write(string onnxPath, ModelCard card, string zipPath)
    {
        var mlContext = new MLContext(seed: 0);
        Save(mlContext, Build(mlContext, onnxPath, card), zipPath);
    }

    /// <summary>A view with no rows and one MLImage column named <see cref="ModelColumns.Image"/>: the schema to fit on.</summary>
    private static IDataView EmptyImageView(MLContext mlContext)
    {
        var paths = mlContext.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>());
        return mlContext.Transforms.LoadImages(ModelColumns.Image, null, nameof(ImagePathRow.Path)).Fit(paths).Transform(paths);
    }

    private sealed class ImagePathRow
    {
        public string Path { get; set; } = "";
    }
}
