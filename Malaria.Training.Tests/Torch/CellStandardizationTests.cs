using Malaria.Training.Commands;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using Malaria.Training.Export;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Malaria.Training.Tests.Torch;

/// <summary>The per-cell stain normalisation (<c>--stain-normalization</c>): what it computes, and that it trains and exports exactly.</summary>
public class CellStandardizationTests
{
    private const int Size = 32;

    /// <summary>Rendered cells on black (<see cref="TorchTestImages"/>) as raw floats [n,3,32,32].</summary>
    private static float[] Cells(int n, int seed) =>
        TorchTestImages.Set(n, Size, seed).Pixels.Select(b => (float)b).ToArray();

    private static float[] Standardise(float[] pixels, int n)
    {
        TorchNativeRuntime.EnsureLoaded();
        using var layer = new CellStandardization();
        using var input = torch.tensor(pixels, [n, 3, Size, Size]);
        using var output = layer.forward(input);
        return output.data<float>().ToArray();
    }

    [Test]
    public void CellPixelsAreStandardisedPerChannelAndTheBackgroundIsZero()
    {
        var pixels = Cells(2, seed: 3);
        var output = Standardise(pixels, 2);
        const int plane = Size * Size;
        for (var image = 0; image < 2; image++)
        {
            var cell = Enumerable.Range(0, plane).Where(p => Enumerable.Range(0, 3).Max(c => pixels[(image * 3 + c) * plane + p]) > CellStandardization.CellThreshold).ToArray();
            Assert.That(cell.Length, Is.InRange(plane / 4, plane - 1), "the rendered disc is the cell, the corners are background");
            for (var c = 0; c < 3; c++)
            {
                var offset = (image * 3 + c) * plane;
                var values = cell.Select(p => (double)output[offset + p]).ToArray();
                var raw = cell.Select(p => (double)pixels[offset + p]).ToArray();
                var rawVariance = raw.Select(v => (v - raw.Average()) * (v - raw.Average())).Average();
                Assert.That(values.Average(), Is.EqualTo(0).Within(1e-4), $"image {image} channel {c}: mean");
                Assert.That(values.Select(v => v * v).Average(), Is.EqualTo(rawVariance / (rawVariance + 1)).Within(1e-3), $"image {image} channel {c}: variance");
                var background = Enumerable.Range(0, plane).Except(cell).Select(p => output[offset + p]);
                Assert.That(background, Has.All.EqualTo(0f), $"image {image} channel {c}: background");
            }
        }
    }

    [Test]
    public void AChangeOfStainLeavesTheOutputAlmostUnchanged()
    {
        // A paler or bluer slide: each channel of the cell scaled and offset differently, the background still black.
        var pixels = Cells(1, seed: 5);
        const int plane = Size * Size;
        float[] gain = [0.8f, 0.9f, 1.15f], offset = [10f, 25f, -5f];
        bool InCell(int p) => Enumerable.Range(0, 3).Max(c => pixels[c * plane + p]) > CellStandardization.CellThreshold;
        var stained = pixels.Select((v, i) => InCell(i % plane) ? v * gain[i / plane] + offset[i / plane] : v).ToArray();
        var before = Standardise(pixels, 1);
        var after = Standardise(stained, 1);
        // Exact but for the +1 in sqrt(variance + 1), which weighs a little more on the narrower channel: within 2 %.
        for (var i = 0; i < before.Length; i++)
            Assert.That(after[i], Is.EqualTo(before[i]).Within(0.02 * Math.Max(1, Math.Abs(before[i]))), $"value {i}");
        Assert.That(stained.Zip(pixels).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(20f), "the stain did change");
    }

    [Test]
    public void APerCellCnnTrainsResumesOnlyAsPerCellAndExportsExactly()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var temp = new TempFolder("malaria-percell-");
        var data = new TorchTrainingData(TorchTestImages.Labels, 0, TorchTestImages.Set(64, Size, seed: 1, "T"), TorchTestImages.Set(16, Size, seed: 2, "V"), null);
        var options = new TorchTrainingOptions { ImageSize = Size, BatchSize = 16, Epochs = 1, Threads = 1, CnnStages = "8x1,16x1,24x1", Normalization = InputNormalization.PerCell };
        var run = temp.Combine("run");
        var result = new TorchTrainer(options, TrainingProgress.Silent()).Train(data, run);
        var checkpoint = Path.Combine(run, TorchCheckpoint.FileName);
        Assert.That(TorchCheckpoint.ReadState(checkpoint).Normalization, Is.EqualTo(nameof(InputNormalization.PerCell)));
        Assert.That(() => new TorchTrainer(options with { Normalization = InputNormalization.Fixed, Epochs = 2, Resume = true }, TrainingProgress.Silent()).Train(data, run),
            Throws.TypeOf<InvalidOperationException>().With.Message.Contains("input PerCell"), "a fixed-input run cannot resume a per-cell checkpoint");

        var (files, _, size, _, _) = CheckpointExport.Export(result.ModelPath, temp.Combine("out", "model.onnx"), TorchTestImages.Labels);
        using var model = TorchTrainer.CreateModel(options, 2);
        TorchCheckpoint.LoadWeights(result.ModelPath, model);
        var pixels = Cells(4, seed: 9);
        var expected = Malaria.Training.Tests.Export.OnnxExportFixture.TorchProbabilities(model, pixels, 4, size);
        using var session = new InferenceSession(files.Onnx);
        var onnx = Malaria.Training.Tests.Export.OnnxExportFixture.Run(session, pixels, 4, size, "probabilities")["probabilities"];
        Assert.That(onnx, Is.EqualTo(expected).Within(1e-4f));
        // The fixed first layer gives other probabilities: the export did use the per-cell one.
        using var fixedModel = TorchTrainer.CreateModel(options with { Normalization = InputNormalization.Fixed }, 2);
        TorchCheckpoint.LoadWeights(result.ModelPath, fixedModel);
        var fixedProbabilities = Malaria.Training.Tests.Export.OnnxExportFixture.TorchProbabilities(fixedModel, pixels, 4, size);
        Assert.That(fixedProbabilities.Zip(expected).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(1e-3f));
    }

    [TestCase("cnn", true)]
    [TestCase("mobilenetv2", false)]
    public void TheStainNormalizationOptionIsForTheCnn(string trainer, bool accepted)
    {
        if (accepted)
            Assert.That(TorchCommandLine.Parse("--trainer", trainer, "--stain-normalization").Normalization, Is.EqualTo(InputNormalization.PerCell));
        else
            Assert.That(() => TorchCommandLine.Parse("--trainer", trainer, "--stain-normalization"), Throws.TypeOf<CommandLineException>().With.Message.Contains("--stain-normalization"));
    }
}
