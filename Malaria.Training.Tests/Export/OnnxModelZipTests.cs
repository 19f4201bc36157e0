using Malaria.Inference;
using Malaria.Inference.Models;
using Malaria.Training.Export;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Malaria.Training.Tests.Export;

/// <summary>The ML.NET zip around an exported graph, loaded in a fresh context as the inference library would.</summary>
public class OnnxModelZipTests
{
    private const int Size = 32;

    [Test]
    public void ZipGivesTheSameProbabilitiesAsOnnxRuntime()
    {
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 3);
        var pixels = OnnxExportFixture.Pixels(4, Size, seed: 17);
        OnnxExportFixture.CentreDecisions(model, pixels, 4, Size);
        var onnxPath = folder.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, Size, onnxPath);
        var card = new ModelCard { Labels = OnnxExportFixture.Labels, InputWidth = Size, InputHeight = Size, Trainer = "cnn" };
        var zipPath = folder.Combine("model.zip");
        OnnxModelZip.Write(onnxPath, card, zipPath);

        // Images already at the input size, so the resize step is the identity and ORT can be fed the same pixels.
        var paths = Enumerable.Range(0, 4).Select(i => folder.Write($"cell{i}.png", EncodePng(pixels, i))).ToList();
        using var session = OnnxExportFixture.Session(model, Size);
        var ort = OnnxExportFixture.Run(session, pixels, 4, Size, TorchOnnxExporter.ProbabilitiesName, TorchOnnxExporter.CamName);
        var expected = ort[TorchOnnxExporter.ProbabilitiesName];
        var camLength = ort[TorchOnnxExporter.CamName].Length / 4;

        // A fresh context that knows nothing of the export code: stock LoadImages feeds the "Image" column.
        var mlContext = new MLContext();
        ScoreArgMaxMapping.Register(mlContext);
        var loaded = mlContext.Model.Load(zipPath, out _);
        var files = mlContext.Data.LoadFromEnumerable(paths.Select(p => new ImageFile { Path = p }));
        var images = mlContext.Transforms.LoadImages(ModelColumns.Image, null, nameof(ImageFile.Path)).Fit(files).Transform(files);
        var scored = loaded.Transform(images);
        var predictions = mlContext.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToList();
        var camType = (VectorDataViewType)scored.Schema[OnnxModelZip.CamColumn].Type;
        Assert.That(camType.Dimensions.ToArray(), Is.EqualTo(new[] { 1, 2, Size / 8, Size / 8 }), "cam keeps its [1,labels,h,w] shape");
        var cams = scored.GetColumn<float[]>(OnnxModelZip.CamColumn).ToList();

        Assert.That(predictions, Has.Count.EqualTo(4));
        var labels = OnnxExportFixture.Labels;
        var maxDiff = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var row = expected.AsSpan(i * labels.Length, labels.Length).ToArray();
            maxDiff = Math.Max(maxDiff, row.Zip(predictions[i].Score, (a, b) => Math.Abs(a - b)).Max());
            Assert.That(predictions[i].Score, Is.EqualTo(row).Within(1e-5f), $"image {i}");
            Assert.That(predictions[i].PredictedLabel, Is.EqualTo(labels[Array.IndexOf(row, row.Max())]), $"image {i}");
            Assert.That(cams[i], Is.EqualTo(ort[TorchOnnxExporter.CamName].AsSpan(i * camLength, camLength).ToArray()).Within(1e-6f), $"cam of image {i}");
        }
        TestContext.Out.WriteLine($"zip vs ORT: max |dp| {maxDiff:E2}; predicted {string.Join(", ", predictions.Select(p => p.PredictedLabel))}");
        Assert.That(predictions.Select(p => p.PredictedLabel).Distinct().Count(), Is.EqualTo(2), "both labels occur, so the mapping is really exercised");
    }

    [Test]
    public void InferenceLibraryLoadsTheZipAndTheBareOnnxAlike()
    {
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 5);
        var onnxPath = folder.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, Size, onnxPath);
        var card = new ModelCard { Labels = OnnxExportFixture.Labels, InputWidth = Size, InputHeight = Size };
        card.Save(ModelCard.PathBeside(onnxPath));
        var zipPath = folder.Combine("model.zip");
        OnnxModelZip.Write(onnxPath, card, zipPath);

        var pixels = OnnxExportFixture.Pixels(3, Size, seed: 21);
        var paths = Enumerable.Range(0, 3).Select(i => folder.Write($"cell{i}.png", EncodePng(pixels, i))).ToList();
        using var session = OnnxExportFixture.Session(model, Size);
        var expected = OnnxExportFixture.Run(session, pixels, 3, Size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];

        // Noise images have no black mask: scored as they are, not framed like cell crops, to compare with raw ORT.
        var asTheyAre = new MalariaClassifierOptions { FrameCrops = false };
        using var fromZip = MalariaClassifier.Load(zipPath, asTheyAre);
        using var fromOnnx = MalariaClassifier.Load(onnxPath, asTheyAre);
        var zipResults = fromZip.ClassifyBatch(paths);
        var onnxResults = fromOnnx.ClassifyBatch(paths);
        for (var i = 0; i < 3; i++)
        {
            var row = expected.AsSpan(i * 2, 2).ToArray();
            Assert.That(zipResults[i].ScoreVector, Is.EqualTo(row).Within(1e-5f), $"zip, image {i}");
            Assert.That(onnxResults[i].ScoreVector, Is.EqualTo(row).Within(1e-5f), $"onnx, image {i}");
            Assert.That(zipResults[i].Label, Is.EqualTo(onnxResults[i].Label));
        }
    }

    [Test]
    public void ZipResizesImagesOfAnySize()
    {
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 4);
        var onnxPath = folder.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, Size, onnxPath);
        var zipPath = folder.Combine("model.zip");
        OnnxModelZip.Write(onnxPath, new ModelCard { Labels = OnnxExportFixture.Labels, InputWidth = Size, InputHeight = Size }, zipPath);

        var mlContext = new MLContext();
        ScoreArgMaxMapping.Register(mlContext);
        var loaded = mlContext.Model.Load(zipPath, out _);
        var path = folder.Write("big.png", TestImages.Png(TestImages.Tint.Red, 57, 43));
        var files = mlContext.Data.LoadFromEnumerable(new[] { new ImageFile { Path = path } });
        var images = mlContext.Transforms.LoadImages(ModelColumns.Image, null, nameof(ImageFile.Path)).Fit(files).Transform(files);
        var prediction = mlContext.Data.CreateEnumerable<Prediction>(loaded.Transform(images), reuseRowObject: false).Single();
        Assert.That(prediction.Score, Has.Length.EqualTo(2));
        Assert.That(prediction.Score.Sum(), Is.EqualTo(1f).Within(1e-5f));
        Assert.That(OnnxExportFixture.Labels, Does.Contain(prediction.PredictedLabel));
    }

    [Test]
    public void CardWithoutInputSizeIsRejected()
    {
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 4);
        var onnxPath = folder.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, Size, onnxPath);
        var error = Assert.Throws<InvalidDataException>(() => OnnxModelZip.Write(onnxPath, new ModelCard { Labels = OnnxExportFixture.Labels }, folder.Combine("model.zip")));
        Assert.That(error!.Message, Does.Contain("no input size"));
        Assert.That(File.Exists(folder.Combine("model.zip")), Is.False);
    }

    /// <summary>Image <paramref name="index"/> of planar float pixels as a lossless PNG.</summary>
    private static byte[] EncodePng(float[] pixels, int index)
    {
        using var bitmap = new SKBitmap(Size, Size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var plane = Size * Size;
        var offset = index * 3 * plane;
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
            {
                var p = y * Size + x;
                bitmap.SetPixel(x, y, new SKColor((byte)pixels[offset + p], (byte)pixels[offset + plane + p], (byte)pixels[offset + 2 * plane + p]));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}
