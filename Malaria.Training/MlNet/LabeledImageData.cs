using Malaria.Inference;
using Malaria.Training.Data;
using Microsoft.ML;

namespace Malaria.Training.MlNet;

/// <summary>
/// Labeled image files as an ML.NET data view in the model's column contract: <c>ImagePath</c> (text),
/// <c>Label</c> (key whose values are the label names in the given order) and <c>Image</c> (MLImage, decoded lazily).
/// </summary>
public static class LabeledImageData
{
    /// <summary>Name of the file path column (the bottleneck cache keys on it).</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>Builds the view; every image's label must be one of <paramref name="labels"/>.</summary>
    public static IDataView Load(MLContext mlContext, IEnumerable<LabeledImage> images, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var known = labels.ToHashSet(StringComparer.Ordinal);
        var rows = images.Select(image => known.Contains(image.Label)
            ? new Row { ImagePath = image.Path, Label = image.Label }
            : throw new InvalidDataException($"Image '{image.Path}' has label '{image.Label}', which is not one of {string.Join(", ", labels)}.")).ToList();
        var view = mlContext.Data.LoadFromEnumerable(rows);
        var keyData = mlContext.Data.LoadFromEnumerable(labels.Select(l => new KeyValue { Value = l }));
        return mlContext.Transforms.LoadImages(ModelColumns.Image, imageFolder: null, ImagePathColumnName)
            .Append(mlContext.Transforms.Conversion.MapValueToKey(ModelColumns.Label, ModelColumns.Label, keyData: keyData))
            .Fit(view).Transform(view);
    }

    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class KeyValue
    {
        public string Value { get; set; } = "";
    }
}
