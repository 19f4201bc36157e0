using Malaria.Training.Commands;
using Malaria.Training.Export;

namespace Malaria.Training.Tests.Export;

/// <summary>A decision threshold written into the exported graph moves the cut and nothing else.</summary>
public class DecisionThresholdExportTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void TheParasitizedProbabilityPassesAHalfWhereTheNetworksPassesTheThreshold(bool averageViews)
    {
        const int batch = 6, size = 64;
        using var model = OnnxExportFixture.Create("cnn", seed: 5);
        var pixels = OnnxExportFixture.Pixels(batch, size, seed: 12);
        OnnxExportFixture.CentreDecisions(model, pixels, batch, size);
        string[] outputs = [TorchOnnxExporter.ProbabilitiesName, TorchOnnxExporter.CamName];
        var plain = RunExport(model, pixels, batch, size, averageViews, 0.5, outputs);
        var positive = Array.IndexOf(OnnxExportFixture.Labels, "Parasitized");
        var classes = OnnxExportFixture.Labels.Length;
        // A cut between the two highest probabilities under 0.5 (or under the highest alone): at least one image changes call.
        var below = Enumerable.Range(0, batch).Select(i => (double)plain[TorchOnnxExporter.ProbabilitiesName][i * classes + positive])
            .Where(p => p < 0.5).OrderDescending().ToArray();
        Assert.That(below, Is.Not.Empty, "CentreDecisions leaves images on both sides");
        var threshold = below.Length > 1 ? (below[0] + below[1]) / 2 : below[0] / 2;
        var shifted = RunExport(model, pixels, batch, size, averageViews, threshold, outputs);

        var callsChanged = 0;
        for (var i = 0; i < batch; i++)
        {
            double p = plain[TorchOnnxExporter.ProbabilitiesName][i * classes + positive];
            double q = shifted[TorchOnnxExporter.ProbabilitiesName][i * classes + positive];
            // q = sigmoid(logit(p) - logit(t)): the odds divided by the threshold's odds.
            var expected = p / (1 - p) / (threshold / (1 - threshold));
            Assert.That(q / (1 - q), Is.EqualTo(expected).Within(1e-3 * expected), $"image {i}");
            Assert.That(q >= 0.5, Is.EqualTo(p >= threshold), $"image {i}: the cut moved to {threshold}");
            if ((p >= 0.5) != (q >= 0.5)) callsChanged++;
        }
        Assert.That(callsChanged, Is.Positive, "some image between the threshold and 0.5, or the test proves nothing");
        Assert.That(shifted[TorchOnnxExporter.CamName], Is.EqualTo(plain[TorchOnnxExporter.CamName]).Within(1e-5f), "Grad-CAM has no bias term");
    }

    [Test]
    public void TheThresholdIsRecordedInTheFileMetadataAndOnlyWhenSet()
    {
        using var model = OnnxExportFixture.Create("cnn", seed: 1);
        var proto = TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, 64, decisionThreshold: 0.35);
        Assert.That(proto.MetadataProps.Single(p => p.Key == TorchOnnxExporter.ThresholdMetadataKey).Value, Is.EqualTo("0.35"));
        Assert.That(TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, 64).MetadataProps.Select(p => p.Key),
            Has.No.Member(TorchOnnxExporter.ThresholdMetadataKey));
    }

    [Test]
    public void AThresholdNeedsTheParasitizedLabel()
    {
        using var model = OnnxExportFixture.Create("cnn", seed: 1);
        Assert.That(() => TorchOnnxExporter.Export(model, ["Cat", "Dog"], 64, decisionThreshold: 0.4),
            Throws.ArgumentException.With.Message.Contains("Parasitized"));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.2)]
    public void AThresholdOutsideZeroToOneIsAClearCommandLineError(double value) =>
        Assert.That(() => CommonOptions.ThresholdValue(value),
            Throws.TypeOf<CommandLineException>().With.Message.Contains("--threshold").And.Message.Contains("between 0 and 1"));

    private static Dictionary<string, float[]> RunExport(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model,
        float[] pixels, int batch, int size, bool averageViews, double threshold, string[] outputs)
    {
        using var temp = new TempFolder();
        var path = temp.Combine("model.onnx");
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, size, path, averageViews, threshold);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        return OnnxExportFixture.Run(session, pixels, batch, size, outputs);
    }
}
