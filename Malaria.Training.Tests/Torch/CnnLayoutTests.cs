using Malaria.Training.Commands;
using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using Malaria.Training.Export;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Training.Tests.Torch;

/// <summary>A non-default CNN layout (<c>--cnn-stages</c>) trains, is remembered by its checkpoint and exports exactly.</summary>
public class CnnLayoutTests
{
    [Test]
    public void ANonDefaultLayoutTrainsExportsAndScoresAsTrained()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var temp = new TempFolder("malaria-layout-");
        const string layout = "8x2,16x1,24x1";
        var data = new TorchTrainingData(TorchTestImages.Labels, 0, TorchTestImages.Set(64, 32, seed: 1, "T"), TorchTestImages.Set(16, 32, seed: 2, "V"), null);
        var options = new TorchTrainingOptions { ImageSize = 32, BatchSize = 16, Epochs = 1, Threads = 1, CnnStages = layout };
        var run = temp.Combine("run");
        var result = new TorchTrainer(options, TrainingProgress.Silent()).Train(data, run);
        Assert.That(TorchCheckpoint.ReadState(Path.Combine(run, TorchCheckpoint.FileName)).CnnStages, Is.EqualTo(layout));

        var (files, _, size, _, _) = CheckpointExport.Export(result.ModelPath, temp.Combine("out", "model.onnx"), TorchTestImages.Labels);
        using var model = TorchTrainer.CreateModel(options, 2);
        TorchCheckpoint.LoadWeights(result.ModelPath, model);
        Assert.That(model.parameters().Sum(p => p.numel()), Is.LessThan(new MalariaCnn(2).parameters().Sum(p => p.numel())), "the layout was used, not the default");
        var pixels = Malaria.Training.Tests.Export.OnnxExportFixture.Pixels(2, size, seed: 4);
        var expected = Malaria.Training.Tests.Export.OnnxExportFixture.TorchProbabilities(model, pixels, 2, size);
        using var session = new InferenceSession(files.Onnx);
        var onnx = Malaria.Training.Tests.Export.OnnxExportFixture.Run(session, pixels, 2, size, "probabilities")["probabilities"];
        Assert.That(onnx, Is.EqualTo(expected).Within(1e-4f));
    }

    [TestCase("16x1,32")]
    [TestCase("16x0")]
    [TestCase("")]
    public void ABadLayoutIsAClearError(string layout)
    {
        var ex = Assert.Throws<ArgumentException>(() => MalariaCnn.ParseStages(layout));
        Assert.That(ex!.Message, Does.Contain("CNN"));
    }

    // The CNN pools once between stages, so its input need only be divisible by 2^(stages-1); MobileNetV2 keeps 32.
    [TestCase("cnn", "80", null, true)]
    [TestCase("cnn", "84", null, false)]
    [TestCase("cnn", "84", "16x1,32x1,64x1", true)]
    [TestCase("mobilenetv2", "80", null, false)]
    [TestCase("mobilenetv2", "96", null, true)]
    public void TheImageSizeMustSuitTheNetworksPooling(string trainer, string size, string? layout, bool accepted)
    {
        string[] args = ["--trainer", trainer, "--image-size", size, .. layout is null ? Array.Empty<string>() : ["--cnn-stages", layout]];
        if (accepted)
            Assert.That(TorchCommandLine.Parse(args).ImageSize, Is.EqualTo(int.Parse(size)));
        else
            Assert.That(() => TorchCommandLine.Parse(args),
                Throws.TypeOf<CommandLineException>().With.Message.Contains($"--image-size {size}"));
    }
}
