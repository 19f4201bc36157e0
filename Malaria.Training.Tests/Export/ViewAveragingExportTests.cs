using Malaria.Training.Torch;
using Malaria.Training.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Export;

/// <summary>The exported graph's 8-view averaging against TorchSharp's, and the symmetry it must have.</summary>
public class ViewAveragingExportTests
{
    private static int SizeOf(string architecture) => architecture == "cnn" ? 64 : 96;

    [TestCase("cnn")]
    [TestCase("mobilenetv2")]
    public void GraphMatchesTorchSharpViewAveraging(string architecture)
    {
        const int batch = 3;
        var size = SizeOf(architecture);
        using var model = OnnxExportFixture.Create(architecture, seed: 11);
        using var session = OnnxExportFixture.Session(model, size, viewsInGraph: true);
        var pixels = OnnxExportFixture.Pixels(batch, size, seed: 8);

        float[] expected;
        using (torch.no_grad())
        using (var input = torch.tensor(pixels, [batch, 3, size, size]))
        using (var logits = TorchViewAveraging.MeanLogits(model, input))
        using (var probabilities = nn.functional.softmax(logits, 1))
            expected = probabilities.data<float>().ToArray();
        var onnx = OnnxExportFixture.Run(session, pixels, batch, size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];

        Assert.That(onnx, Is.EqualTo(expected).Within(1e-4f));
        Assert.That(expected[0], Is.Not.EqualTo(expected[2]).Within(1e-3f), "different images, different outputs");
    }

    [TestCase("cnn")]
    [TestCase("mobilenetv2")]
    public void TurningTheImageChangesNeitherScoreNorMapExceptByTheTurn(string architecture)
    {
        var size = SizeOf(architecture);
        using var model = OnnxExportFixture.Create(architecture, seed: 23);
        using var averaged = OnnxExportFixture.Session(model, size, viewsInGraph: true);
        using var plain = OnnxExportFixture.Session(model, size);
        var pixels = OnnxExportFixture.Pixels(1, size, seed: 99);
        var turned = Turn(pixels, 3, size);
        string[] outputs = [TorchOnnxExporter.ProbabilitiesName, TorchOnnxExporter.CamName];

        var upright = OnnxExportFixture.Run(averaged, pixels, 1, size, outputs);
        var quarter = OnnxExportFixture.Run(averaged, turned, 1, size, outputs);
        var camSide = (int)Math.Sqrt(upright[TorchOnnxExporter.CamName].Length / OnnxExportFixture.Labels.Length);

        // The 8 views of a turned image are the 8 views of the image in another order, so the score is the same and
        // the map (each view's map turned back before averaging) is the upright map turned.
        Assert.That(quarter[TorchOnnxExporter.ProbabilitiesName], Is.EqualTo(upright[TorchOnnxExporter.ProbabilitiesName]).Within(1e-5f));
        Assert.That(quarter[TorchOnnxExporter.CamName], Is.EqualTo(Turn(upright[TorchOnnxExporter.CamName], OnnxExportFixture.Labels.Length, camSide)).Within(1e-4f));
        Assert.That(upright[TorchOnnxExporter.CamName].Max(), Is.GreaterThan(1e-3f), "a map of zeros would pass trivially");
        // Without averaging the network does see the turn (otherwise this test would prove nothing).
        var plainUpright = OnnxExportFixture.Run(plain, pixels, 1, size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];
        var plainTurned = OnnxExportFixture.Run(plain, turned, 1, size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];
        Assert.That(Math.Abs(plainUpright[0] - plainTurned[0]), Is.GreaterThan(1e-4f));
    }

    [Test]
    public void ViewsAreRecordedInTheFileMetadata()
    {
        using var model = OnnxExportFixture.Create("cnn", seed: 1);
        var proto = TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, 64, viewsInGraph: true);
        Assert.That(proto.MetadataProps.Single(p => p.Key == TorchOnnxExporter.ViewsMetadataKey).Value, Is.EqualTo("8"));
        Assert.That(TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, 64).MetadataProps.Select(p => p.Key), Has.No.Member(TorchOnnxExporter.ViewsMetadataKey));
    }

    /// <summary>Each of the <paramref name="planes"/> square planes turned a quarter: out[y, x] = in[side-1-x, y].</summary>
    private static float[] Turn(float[] values, int planes, int side)
    {
        var result = new float[values.Length];
        for (var p = 0; p < planes; p++)
            for (var y = 0; y < side; y++)
                for (var x = 0; x < side; x++)
                    result[(p * side + y) * side + x] = values[(p * side + (side - 1 - x)) * side + y];
        return result;
    }
}
