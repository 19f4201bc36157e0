using Malaria.Training.Onnx;

namespace Malaria.Training.Tests.Onnx;

public class QuantizationParameterTests
{
    [Test]
    public void ARangeFromZeroHasZeroPointZeroSoTheClampIsTheRelu()
    {
        var q = UInt8Quantization.FromRange(new ActivationRange(0f, 5.1f));
        Assert.That(q.ZeroPoint, Is.Zero);
        Assert.That(q.Scale, Is.EqualTo(0.02f).Within(1e-6));
    }

    [Test]
    public void TheNormalisedPixelRangeIsRepresentedExactly()
    {
        // (x - 128) / 128 for x in 0..255: 256 values on a grid of 1/128, which uint8 with zero point 128 holds exactly.
        var q = UInt8Quantization.FromRange(new ActivationRange(-1f, 127f / 128f));
        Assert.That(q.ZeroPoint, Is.EqualTo(128));
        Assert.That(q.Scale, Is.EqualTo(1f / 128f).Within(1e-7));
    }

    [Test]
    public void ARangeAlwaysIncludesZero()
    {
        var q = UInt8Quantization.FromRange(new ActivationRange(2f, 4f));
        Assert.That(q.ZeroPoint, Is.Zero);
        Assert.That(q.Scale * 255, Is.EqualTo(4f).Within(1e-5));
    }

    [Test]
    public void ChannelsAreScaledSeparatelyAndSymmetrically()
    {
        float[] weights = [0.5f, -1f, 0.25f, 0f, 100f, -3f];
        var q = Int8ChannelWeights.Quantize(weights, 2);
        Assert.That(q.Scales, Is.EqualTo(new[] { 1f / 127, 100f / 127 }).Within(1e-6));
        Assert.That(q.Values[1], Is.EqualTo(-127));
        Assert.That(q.Values[4], Is.EqualTo(127));
        for (var i = 0; i < weights.Length; i++)
            Assert.That(q.Dequantize(i), Is.EqualTo(weights[i]).Within(q.Scales[i / 3] / 2));
    }

    [Test]
    public void AnAllZeroChannelStaysZero()
    {
        var q = Int8ChannelWeights.Quantize([0f, 0f, 1f, 2f], 2);
        Assert.That(q.Values[..2], Is.All.EqualTo(0));
        Assert.That(q.Scales[0], Is.EqualTo(1f));
    }

    [Test]
    public void NonFiniteCalibrationValuesAreRefusedNamingTheTensor()
    {
        var error = Assert.Throws<InvalidDataException>(() => ActivationRange.Of([1f, float.NaN], "conv_3"));
        Assert.That(error!.Message, Does.Contain("conv_3"));
    }
}
