using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Export;

namespace Malaria.Training.Tests.Export;

/// <summary>The masking comparison on a small exported network and generated cells on a black background.</summary>
public class CamFaithfulnessTests
{
    private const int Size = 32;

    private static (string OnnxPath, ModelCard Card, DecodedImageSet Images) Setup(TempFolder folder, int count)
    {
        using var model = OnnxExportFixture.Create("cnn", seed: 6);
        var onnxPath = folder.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, Size, onnxPath);
        var card = new ModelCard { Labels = OnnxExportFixture.Labels, InputWidth = Size, InputHeight = Size };
        // Blobs on pure black, like NIH crops: everything outside the blob is background.
        var pixels = OnnxExportFixture.Pixels(count, Size, seed: 2);
        var bytes = new byte[pixels.Length];
        var plane = Size * Size;
        for (var i = 0; i < count; i++)
            for (var p = 0; p < plane; p++)
            {
                var y = p / Size - Size / 2.0;
                var x = p % Size - Size / 2.0;
                var inside = x * x + y * y < Size * Size / 9.0;
                for (var c = 0; c < 3; c++)
                    bytes[(i * 3 + c) * plane + p] = inside ? (byte)Math.Max(pixels[(i * 3 + c) * plane + p], 20) : (byte)0;
            }
        var images = Enumerable.Range(0, count).Select(i => new LabeledImage($"cell{i}.png", "Parasitized", "C1")).ToList();
        return (onnxPath, card, DecodedImageSet.FromPixels(images, Size, bytes, new int[count]));
    }

    [Test]
    public void MaskingEverythingMakesEveryChoiceEqual()
    {
        using var folder = new TempFolder();
        var (onnxPath, card, images) = Setup(folder, 5);
        var result = CamFaithfulness.Measure(onnxPath, card, images, fraction: 1.0, seed: 1, batchSize: 2);
        Assert.That(result.Images, Is.EqualTo(5));
        Assert.That(result.MeanProbability, Is.InRange(0.0, 1.0));
        Assert.That(result.MeanDropRandom, Is.EqualTo(result.MeanDropTopHeat).Within(1e-6));
        // Inside-the-cell masking blacks out the whole cell, and the background is black already: the same image.
        Assert.That(result.MeanDropRandomCell, Is.EqualTo(result.MeanDropTopHeat).Within(1e-6));
    }

    [Test]
    public void SameSeedSameResult()
    {
        using var folder = new TempFolder();
        var (onnxPath, card, images) = Setup(folder, 4);
        var first = CamFaithfulness.Measure(onnxPath, card, images, fraction: 0.2, seed: 3);
        var second = CamFaithfulness.Measure(onnxPath, card, images, fraction: 0.2, seed: 3, batchSize: 3);
        // Batch size only changes how images are grouped for ONNX Runtime.
        Assert.That(second.MeanDropTopHeat, Is.EqualTo(first.MeanDropTopHeat).Within(1e-6));
        Assert.That(second.MeanDropRandom, Is.EqualTo(first.MeanDropRandom).Within(1e-6));
        Assert.That(second.MeanDropRandomCell, Is.EqualTo(first.MeanDropRandomCell).Within(1e-6));
        Assert.That(first.MeanDropTopHeat, Is.Not.EqualTo(first.MeanDropRandom), "masking 20% changes the probability");
    }
}
