using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Torch;

public class MobileNetV2ImportTests
{
    [Test]
    public void ModelHasTorchvisionLayoutAndSize()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var model = new MobileNetV2(2);
        var names = model.state_dict().Keys.ToList();
        Assert.That(names, Does.Contain("features.0.0.weight"));
        Assert.That(names, Does.Contain("features.1.conv.0.0.weight"));
        Assert.That(names, Does.Contain("features.2.conv.2.weight"));
        Assert.That(names, Does.Contain("features.18.1.running_var"));
        Assert.That(names, Does.Contain("classifier.1.weight"));
        var parameters = model.parameters().Sum(p => p.numel());
        Assert.That(parameters, Is.EqualTo(2_223_872 + 1280 * 2 + 2), "torchvision's MobileNetV2 backbone plus a 2-class head");
        using var half = new MobileNetV2(2, widthMultiplier: 0.5);
        Assert.That(half.FeatureCount, Is.EqualTo(1280));
        using var output = half.forward(torch.rand(2, 3, 64, 64) * 255);
        Assert.That(output.shape, Is.EqualTo(new long[] { 2, 2 }));
    }

    [Test]
    public void CnnIsWellUnderOneMegabyte()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var cnn = new MalariaCnn(2);
        var bytes = cnn.parameters().Sum(p => p.numel()) * sizeof(float);
        Assert.That(bytes, Is.LessThan(700_000));
    }

    [Test]
    public void NetworksCarryNoBatchCounterButStillTrackRunningStatistics()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var cnn = new MalariaCnn(2);
        using var mobile = new MobileNetV2(2, widthMultiplier: 0.35);
        foreach (nn.Module model in new nn.Module[] { cnn, mobile })
            Assert.That(model.state_dict().Keys.Where(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)), Is.Empty,
                "the counter's add_(1) races TorchSharp's Scalar finalizer (see BatchNormCounters)");
        var runningMean = cnn.state_dict().First(p => p.Key.EndsWith("running_mean", StringComparison.Ordinal)).Value;
        var before = runningMean.clone();
        cnn.train();
        using (torch.no_grad()) cnn.forward(torch.rand(4, 3, 32, 32) * 255).Dispose();
        Assert.That(runningMean.allclose(before), Is.False, "training-mode batches still move the running mean");
    }

    [Test]
    [Category("RealData")]
    public void ImportedFeaturesMatchOnnxRuntime()
    {
        var onnx = SharedData.MobileNetV2Onnx;
        TorchNativeRuntime.EnsureLoaded();
        using var model = new MobileNetV2(2);
        MobileNetV2OnnxImporter.Import(onnx, model);
        model.eval();

        var random = new Random(5);
        var pixels = new float[2 * 3 * 224 * 224];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = random.Next(256);

        float[] ours;
        using (torch.no_grad())
        using (var input = torch.tensor(pixels, [2, 3, 224, 224]))
        using (var features = model.PooledFeatures(input))
            ours = features.data<float>().ToArray();

        using var session = new InferenceSession(onnx);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(pixels, [2, 3, 224, 224]))], ["features"]);
        var expected = results[0].AsEnumerable<float>().ToArray();

        Assert.That(ours, Has.Length.EqualTo(expected.Length).And.Length.EqualTo(2 * 1280));
        var maxDifference = ours.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"max |torch - onnxruntime| over 2x1280 features: {maxDifference:G3} (feature range up to {expected.Max():F2})");
        Assert.That(maxDifference, Is.LessThan(1e-3));
    }
}
