using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>The channels-last input batch holds the same images as the planar one and gives the network's same logits.</summary>
public class ChannelsLastInputTests
{
    [Test]
    public void TheBatchKeepsItsShapeAndValuesWithChannelsInnermost()
    {
        TorchNativeRuntime.EnsureLoaded();
        const int count = 2, size = 4;
        var pixels = Enumerable.Range(0, count * 3 * size * size).Select(i => (float)i).ToArray();
        using var input = ChannelsLastInput.FromPixels(pixels, count, size);
        using var planar = input.contiguous();
        Assert.Multiple(() =>
        {
            Assert.That(input.shape, Is.EqualTo(new long[] { count, 3, size, size }));
            Assert.That(input.stride(), Is.EqualTo(new long[] { 3 * size * size, 1, 3 * size, 3 }), "channels vary fastest in memory");
            Assert.That(planar.data<float>().ToArray(), Is.EqualTo(pixels), "read back in NCHW order, the same pixels");
        });
    }

    [Test]
    public void OnlyTheCnnIsFedChannelsLast()
    {
        TorchNativeRuntime.EnsureLoaded();
        var pixels = Enumerable.Range(0, 2 * 3 * 32 * 32).Select(i => (float)(i % 256)).ToArray();
        using var cnnNetwork = new MalariaCnn(2);
        using var mobileNetNetwork = new MobileNetV2(2, 1.0);
        using var cnn = ChannelsLastInput.For(cnnNetwork, pixels, 2, 32);
        using var mobileNet = ChannelsLastInput.For(mobileNetNetwork, pixels, 2, 32);
        Assert.That(cnn.stride(), Is.EqualTo(new long[] { 3 * 32 * 32, 1, 3 * 32, 3 }));
        // LibTorch 2.10 computes MobileNetV2's last 1x1 projection (960 -> 320 channels) wrongly on channels-last input.
        Assert.That(mobileNet.stride(), Is.EqualTo(new long[] { 3 * 32 * 32, 32 * 32, 32, 1 }), "plain NCHW");
        Assert.That(mobileNet.data<float>().ToArray(), Is.EqualTo(pixels));
    }

    [Test]
    public void TheCnnGivesTheSameLogitsAndGradientsEitherWay()
    {
        TorchNativeRuntime.EnsureLoaded();
        torch.manual_seed(3);
        using var model = new MalariaCnn(2);
        var pixels = new float[8 * 3 * 64 * 64];
        var random = new Random(5);
        for (var i = 0; i < pixels.Length; i++) pixels[i] = random.Next(256);

        float[] LogitsAndFirstGradient(Tensor input)
        {
            model.zero_grad();
            using var logits = model.forward(input);
            using var loss = logits.sum();
            loss.backward();
            using var gradient = model.parameters().First().grad!.contiguous();
            return [.. logits.contiguous().data<float>().ToArray(), .. gradient.data<float>().ToArray()];
        }
        model.train();
        using var planar = torch.tensor(pixels, [8, 3, 64, 64]);
        var expected = LogitsAndFirstGradient(planar);
        using var channelsLast = ChannelsLastInput.FromPixels(pixels, 8, 64);
        var actual = LogitsAndFirstGradient(channelsLast);
        var scale = expected.Max(Math.Abs);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-4f * scale));
    }
}
