using Google.Protobuf;
using Malaria.Training.Export;
using Malaria.Training.Onnx;
using Malaria.Training.Onnx.Proto;
using Malaria.Training.Tests.Export;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Training.Tests.Onnx;

/// <summary>
/// The int8 graph of a small exported CNN (random weights with realistic BatchNorm statistics), calibrated on generated
/// cells: ONNX Runtime loads it and fuses it into integer kernels, its weights are the float ones within half a step,
/// and it scores and maps like the float graph.
/// </summary>
public class OnnxQuantizerTests
{
    private const int Size = 64;

    private static (ModelProto Float, ModelProto Int8, float[] Pixels, int Count) Quantised()
    {
        var model = OnnxExportFixture.Create("cnn", seed: 3);
        var calibration = OnnxExportFixture.Pixels(64, Size, seed: 100);
        var pixels = OnnxExportFixture.Pixels(32, Size, seed: 200);
        OnnxExportFixture.CentreDecisions(model, calibration, 64, Size);
        var floatGraph = TorchOnnxExporter.Export(model, OnnxExportFixture.Labels, Size);
        var plan = OnnxQuantizationPlan.For(floatGraph);
        var ranges = OnnxCalibration.Measure(floatGraph, plan.CalibrationTensors, [(calibration, [64, 3, Size, Size])]);
        return (floatGraph, OnnxQuantizer.Quantize(floatGraph, ranges, "test calibration"), pixels, 32);
    }

    [Test]
    public void OnnxRuntimeLoadsTheGraphAndFusesItIntoIntegerConvolutions()
    {
        var (floatGraph, int8, _, _) = Quantised();
        var optimised = Path.Combine(Path.GetTempPath(), $"int8-optimised-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimised })
            using (var session = new InferenceSession(int8.ToByteArray(), options))
            {
                Assert.That(session.OutputMetadata.Keys, Is.SupersetOf(new[] { "logits", "probabilities", "cam" }));
            }
            var ops = OnnxModelFile.Read(optimised).Graph.Node.Select(n => n.OpType).ToList();
            // Every convolution but the first (3 colour planes, kept in float) runs as QLinearConv, the cam's too; the
            // pools run on uint8 and the classifier as QGemm.
            var convolutions = floatGraph.Graph.Node.Count(n => n.OpType == "Conv");
            Assert.That(ops.Count(op => op == "QLinearConv"), Is.EqualTo(convolutions - 1), string.Join(", ", ops));
            Assert.That(ops.Count(op => op == "Conv"), Is.EqualTo(1));
            Assert.That(ops, Has.Member("QGemm").And.Member("NhwcMaxPool"));
            Assert.That(int8.MetadataProps.Single(p => p.Key == OnnxQuantizer.MetadataKey).Value, Does.Contain("test calibration"));
        }
        finally { File.Delete(optimised); }
    }

    [Test]
    public void EveryWeightIsItsFloatValueWithinHalfAStep()
    {
        var (floatGraph, int8, _, _) = Quantised();
        var floats = floatGraph.Graph.Initializer.ToDictionary(i => i.Name);
        var initializers = int8.Graph.Initializer.ToDictionary(i => i.Name);
        var weightNodes = int8.Graph.Node.Where(n => n.OpType == "DequantizeLinear" && initializers.TryGetValue(n.Input[0], out var t) && t.DataType == (int)TensorProto.Types.DataType.Int8).ToList();
        Assert.That(weightNodes, Has.Count.EqualTo(floatGraph.Graph.Node.Count(n => n.OpType is "Conv" or "Gemm") - 1), "every convolution but the first, and the classifier");
        foreach (var node in weightNodes)
        {
            var original = OnnxModelFile.ToFloats(floats[node.Input[0][OnnxQuantizer.NamePrefix.Length..^"_quantized".Length]]);
            var values = initializers[node.Input[0]].RawData.Span;
            var scales = OnnxModelFile.ToFloats(initializers[node.Input[1]]);
            Assert.That(node.Attribute.Single(a => a.Name == "axis").I, Is.Zero);
            Assert.That(scales, Has.Length.GreaterThan(1), "one scale per output channel");
            var perChannel = original.Length / scales.Length;
            for (var i = 0; i < original.Length; i++)
            {
                var scale = scales[i / perChannel];
                Assert.That((sbyte)values[i] * scale, Is.EqualTo(original[i]).Within(scale / 2 * 1.0001f), $"{node.Input[0]}[{i}]");
            }
        }
    }

    [Test]
    public void ScoresAndMapsAgreeWithTheFloatGraph()
    {
        var (floatGraph, int8, pixels, n) = Quantised();
        using var floatSession = new InferenceSession(floatGraph.ToByteArray());
        using var int8Session = new InferenceSession(int8.ToByteArray());
        var expected = OnnxExportFixture.Run(floatSession, pixels, n, Size, "probabilities", "cam");
        var actual = OnnxExportFixture.Run(int8Session, pixels, n, Size, "probabilities", "cam");
        var differences = expected["probabilities"].Zip(actual["probabilities"], (a, b) => Math.Abs(a - b)).ToArray();
        var agree = Enumerable.Range(0, n).Count(i => expected["probabilities"][2 * i] > 0.5 == actual["probabilities"][2 * i] > 0.5);
        TestContext.Out.WriteLine($"max |dp| {differences.Max():F4}, mean {differences.Average():F4}, {agree}/{n} labels agree, cam r = {OnnxExportFixture.Pearson(expected["cam"], actual["cam"]):F4}");
        Assert.That(expected["probabilities"].Select(p => p > 0.5).Distinct().Count(), Is.EqualTo(2), "the images must fall on both sides of the cut");
        Assert.That(differences.Average(), Is.LessThan(0.03));
        Assert.That(agree, Is.GreaterThanOrEqualTo(n - 2));
        Assert.That(OnnxExportFixture.Pearson(expected["cam"], actual["cam"]), Is.GreaterThan(0.98));
    }

    [Test]
    public void AQuantisedGraphIsRefused()
    {
        var (_, int8, _, _) = Quantised();
        var error = Assert.Throws<InvalidDataException>(() => OnnxQuantizationPlan.For(int8));
        Assert.That(error!.Message, Does.Contain("quantised already"));
    }

    [Test]
    public void AnOldOpsetIsRefusedNamingIt()
    {
        var (floatGraph, _, _, _) = Quantised();
        floatGraph.OpsetImport.Single().Version = 11;
        var error = Assert.Throws<InvalidDataException>(() => OnnxQuantizationPlan.For(floatGraph));
        Assert.That(error!.Message, Does.Contain("opset 11"));
    }

    [Test]
    public void AMissingRangeIsNamed()
    {
        var (floatGraph, _, _, _) = Quantised();
        var error = Assert.Throws<ArgumentException>(() => OnnxQuantizer.Quantize(floatGraph, new Dictionary<string, ActivationRange>(), "none"));
        Assert.That(error!.Message, Does.Contain("no range for tensor"));
    }
}
