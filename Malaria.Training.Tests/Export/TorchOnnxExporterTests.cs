using Malaria.Training.Torch;
using Malaria.Training.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Export;

/// <summary>The exported graph against the TorchSharp network it came from: same probabilities, Grad-CAM as autograd computes it.</summary>
public class TorchOnnxExporterTests
{
    /// <summary>Input sizes: the CNN's maps are 8x8 at 64 px; MobileNetV2's are 3x3 at 96 px.</summary>
    private static int SizeOf(string architecture) => architecture == "cnn" ? 64 : 96;

    [TestCase("cnn", 1)]
    [TestCase("cnn", 3)]
    [TestCase("mobilenetv2", 1)]
    [TestCase("mobilenetv2", 3)]
    public void OnnxRuntimeMatchesTorchSharpEval(string architecture, int batch)
    {
        var size = SizeOf(architecture);
        using var model = OnnxExportFixture.Create(architecture, seed: 11);
        using var session = OnnxExportFixture.Session(model, size);
        var pixels = OnnxExportFixture.Pixels(batch, size, seed: 5 + batch);

        float[] expectedLogits, expectedProbabilities;
        using (torch.no_grad())
        using (var input = torch.tensor(pixels, [batch, 3, size, size]))
        using (var logits = model.forward(input))
        using (var probabilities = nn.functional.softmax(logits, 1))
        {
            expectedLogits = logits.data<float>().ToArray();
            expectedProbabilities = probabilities.data<float>().ToArray();
        }
        var onnx = OnnxExportFixture.Run(session, pixels, batch, size, TorchOnnxExporter.LogitsName, TorchOnnxExporter.ProbabilitiesName);

        var maxProbabilityDiff = expectedProbabilities.Zip(onnx[TorchOnnxExporter.ProbabilitiesName], (a, b) => Math.Abs(a - b)).Max();
        var maxLogitDiff = expectedLogits.Zip(onnx[TorchOnnxExporter.LogitsName], (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"{architecture} batch {batch}: max |dp| {maxProbabilityDiff:E2}, max |dlogit| {maxLogitDiff:E2}, probabilities [{string.Join(", ", expectedProbabilities.Select(p => p.ToString("F4")))}]");
        Assert.That(onnx[TorchOnnxExporter.ProbabilitiesName], Has.Length.EqualTo(batch * OnnxExportFixture.Labels.Length));
        Assert.That(maxProbabilityDiff, Is.LessThanOrEqualTo(1e-4));
        // The comparison means something only if the network is not saying 50/50 to everything.
        Assert.That(expectedProbabilities.Max() - expectedProbabilities.Min(), Is.GreaterThan(0.05));
        if (batch > 1) Assert.That(expectedProbabilities[0], Is.Not.EqualTo(expectedProbabilities[2]).Within(1e-3f), "different images, different outputs");
    }

    [TestCase("cnn")]
    [TestCase("mobilenetv2")]
    public void CamOutputIsGradCamFromAutograd(string architecture)
    {
        var size = SizeOf(architecture);
        using var model = OnnxExportFixture.Create(architecture, seed: 23);
        using var session = OnnxExportFixture.Session(model, size);
        var pixels = OnnxExportFixture.Pixels(1, size, seed: 99);
        var onnxCam = OnnxExportFixture.Run(session, pixels, 1, size, TorchOnnxExporter.CamName)[TorchOnnxExporter.CamName];
        var classes = OnnxExportFixture.Labels.Length;
        var area = onnxCam.Length / classes;

        // Grad-CAM: gradient of each class logit with respect to the last feature maps, channel weights = mean
        // gradient over the map, ReLU of the weighted channel sum. The head is the model's own pool and classifier.
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        var pool = (nn.Module<Tensor, Tensor>)children["pool"];
        var classifier = (nn.Module<Tensor, Tensor>)children["classifier"];
        using var scope = torch.NewDisposeScope();
        var input = torch.tensor(pixels, [1, 3, size, size]);
        var features = model switch
        {
            MalariaCnn cnn => cnn.FeatureMaps(input),
            MobileNetV2 mobile => mobile.FeatureMaps(input),
            _ => throw new InvalidOperationException(),
        };
        var maps = features.detach().requires_grad_(true);
        var logits = classifier.forward(pool.forward(maps).flatten(1));
        using (torch.no_grad())
            Assert.That((logits - model.forward(input)).abs().max().item<float>(), Is.LessThan(1e-4f), "head reproduces forward()");
        Assert.That(maps.shape[2] * maps.shape[3], Is.EqualTo(area), "cam has the feature maps' size");

        for (var c = 0; c < classes; c++)
        {
            var gradient = torch.autograd.grad([logits[0, c]], [maps], retain_graph: true)[0];
            var weights = gradient.mean([2, 3], keepdim: true);
            var gradCam = nn.functional.relu((weights * maps.detach()).sum(1)).flatten().data<float>().ToArray();
            var onnxMap = onnxCam.AsSpan(c * area, area);
            var scale = Math.Max(gradCam.Max(), 1e-12f);
            var maxDiff = gradCam.Zip(onnxMap.ToArray(), (a, b) => Math.Abs(a - b)).Max();
            if (gradCam.Distinct().Count() < 2)
            {
                // A class whose evidence is negative everywhere has an all-zero Grad-CAM; correlation is undefined.
                TestContext.Out.WriteLine($"{architecture} class {c}: Grad-CAM constant {gradCam[0]}, ONNX max diff {maxDiff:E2}");
                Assert.That(maxDiff, Is.LessThanOrEqualTo(1e-4 * Math.Max(1, scale)));
                continue;
            }
            var correlation = OnnxExportFixture.Pearson(gradCam, onnxMap);
            TestContext.Out.WriteLine($"{architecture} class {c}: Pearson {correlation:F6}, max |diff| {maxDiff:E2} (map max {scale:F4}, {area} cells)");
            Assert.That(correlation, Is.GreaterThanOrEqualTo(0.99));
            // The exported weights include the 1/area of Grad-CAM, so the maps agree in value, not only in shape.
            Assert.That(maxDiff, Is.LessThanOrEqualTo(1e-4 * scale + 1e-6));
        }
    }

    [Test]
    public void GraphDeclaresOpset13DynamicBatchAndTfSamePads()
    {
        using var model = OnnxExportFixture.Create("mobilenetv2", seed: 1);
        var proto = TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, 64);
        Assert.That(proto.OpsetImport.Single().Version, Is.GreaterThanOrEqualTo(13));
        Assert.That(proto.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam, Is.Not.Empty);
        Assert.That(proto.Graph.Output.Select(o => o.Name), Is.SupersetOf(new[] { "logits", "probabilities", "cam" }));
        Assert.That(proto.Graph.Node.Select(n => n.OpType), Has.No.Member("BatchNormalization"));
        var strideTwo = proto.Graph.Node.Where(n => n.OpType == "Conv" && n.Attribute.Any(a => a.Name == "strides" && a.Ints[0] == 2)).ToList();
        Assert.That(strideTwo, Has.Count.EqualTo(5), "MobileNetV2 has five stride-2 convolutions");
        foreach (var node in strideTwo)
            Assert.That(node.Attribute.Single(a => a.Name == "pads").Ints, Is.EqualTo(new long[] { 0, 0, 1, 1 }));
        Assert.That(proto.MetadataProps.Single(p => p.Key == TorchOnnxExporter.LabelsMetadataKey).Value, Is.EqualTo("[\"Parasitized\",\"Uninfected\"]"));
    }

    [Test]
    public void LabelCountMustMatchTheClassifier()
    {
        using var model = OnnxExportFixture.Create("cnn", seed: 1);
        var error = Assert.Throws<ArgumentException>(() => TorchOnnxExporter.Export(model, ["a", "b", "c"], 64));
        Assert.That(error!.Message, Does.Contain("2 outputs but 3 labels"));
    }
}
