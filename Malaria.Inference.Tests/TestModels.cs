using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Inference.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Malaria.Inference.Tests;

/// <summary>
/// Small models the inference tests build themselves, following the column contract: an ML.NET pipeline
/// (ResizeImages 16x16 -> ExtractPixels -> L-BFGS maximum entropy) trained on generated red-vs-blue images, saved as
/// model.zip + model.json; and a tiny ONNX graph. "Normal" models call red Parasitized, "flipped" ones call it
/// Uninfected, so the two give distinguishable results on the same image.
/// </summary>
internal static class TestModels
{
    public static readonly string[] Labels = ["Parasitized", "Uninfected"];
    public const int Size = 16;

    private static readonly Lazy<byte[]> NormalZip = new(() => TrainZip(flipped: false));
    private static readonly Lazy<byte[]> FlippedZip = new(() => TrainZip(flipped: true));

    /// <summary>The bytes of the ML.NET model zip (trained once per test run).</summary>
    public static byte[] Zip(bool flipped) => flipped ? FlippedZip.Value : NormalZip.Value;

    public static byte[] Onnx(bool flipped) => TinyOnnxModel.Create(Size, flipped, hidden: 2048);

    public static ModelCard Card() => new()
    {
        Labels = Labels,
        InputWidth = Size,
        InputHeight = Size,
        Trainer = "test",
    };

    /// <summary>The version a classifier reports for <paramref name="model"/> with <see cref="Card"/> beside it.</summary>
    public static string VersionOf(byte[] model) =>
        new ModelFiles("test", ModelFormat.Onnx, model, System.Text.Encoding.UTF8.GetBytes(Card().ToJson()), "test").Version;

    /// <summary>Writes model file + model.json into <paramref name="folder"/>; returns the model path.</summary>
    public static string Write(string folder, bool flipped, string extension = ".zip", string name = "model")
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + extension);
        Card().Save(ModelCard.PathBeside(path));
        AtomicFile.WriteAllBytes(path, extension == ".zip" ? Zip(flipped) : Onnx(flipped));
        return path;
    }

    private sealed class TrainingRow
    {
        [Microsoft.ML.Transforms.Image.ImageType(Size, Size)]
        public MLImage? Image { get; set; }
        public string Label { get; set; } = "";
    }

    private static byte[] TrainZip(bool flipped)
    {
        var context = new MLContext(seed: 7);
        var rows = new List<TrainingRow>();
        for (var i = 0; i < 24; i++)
        {
            var red = i % 2 == 0;
            var parasitized = red != flipped;
            rows.Add(new TrainingRow
            {
                Image = TestImages.Decoded(red ? TestImages.Tint.Red : TestImages.Tint.Blue, Size, seed: 100 + i),
                Label = parasitized ? Labels[0] : Labels[1],
            });
        }
        var data = context.Data.LoadFromEnumerable(rows);
        // The label map is fitted outside the saved chain: the saved model needs only the image to score.
        var keyed = context.Transforms.Conversion.MapValueToKey("LabelKey", ModelColumns.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);
        var pipeline = context.Transforms.ResizeImages("Resized", Size, Size, ModelColumns.Image)
            .Append(context.Transforms.ExtractPixels("Features", "Resized", scaleImage: 1f / 255))
            .Append(context.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"))
            .Append(context.Transforms.Conversion.MapKeyToValue(ModelColumns.PredictedLabel));
        var model = pipeline.Fit(keyed);
        // ML.NET cannot serialise an image column's schema, so image-input models are saved without one.
        using var stream = new MemoryStream();
        context.Model.Save(model, null, stream);
        foreach (var row in rows) row.Image!.Dispose();
        return stream.ToArray();
    }
}
