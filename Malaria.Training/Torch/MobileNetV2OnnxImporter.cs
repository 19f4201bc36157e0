using Malaria.Training.Onnx;
using Malaria.Training.Onnx.Proto;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Copies the ImageNet MobileNetV2's backbone from its ONNX file into a <see cref="MobileNetV2"/> of width 1.0. The
/// ONNX convolutions carry BatchNorm folded into weight and bias, so each conv gets the ONNX weight and the BatchNorm
/// after it becomes the identity plus that bias (scale 1, mean 0, variance 1 - eps). The 52 backbone convolutions are
/// matched in graph order and checked for shape, stride, group count and padding; the ONNX classifier (1001 ImageNet
/// classes) is not imported.
/// </summary>
internal static class MobileNetV2OnnxImporter
{
    public static void Import(string onnxPath, MobileNetV2 model)
    {
        if (model.WidthMultiplier != 1.0)
            throw new ArgumentException($"ImageNet weights exist only for width 1.0, not {model.WidthMultiplier}; use --init scratch.");
        var proto = OnnxModelFile.Read(onnxPath);
        var initializers = proto.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);

        // Convolutions in torchvision order (numeric path order, which is graph order), each with the BatchNorm that
        // follows it: the next index in the same parent (features.3.conv.0.0 -> features.3.conv.0.1, conv.2 -> conv.3).
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var targets = new List<(PaddedConv2d Conv, BatchNorm2d Norm)>();
        foreach (var (name, module) in modules.OrderBy(m => m.Key, NumericPathComparer.Instance))
        {
            if (module is not PaddedConv2d conv) continue;
            var dot = name.LastIndexOf('.');
            var normName = $"{name[..dot]}.{int.Parse(name[(dot + 1)..], System.Globalization.CultureInfo.InvariantCulture) + 1}";
            if (!modules.TryGetValue(normName, out var norm) || norm is not BatchNorm2d batchNorm)
                throw new InvalidOperationException($"MobileNetV2 layout: no BatchNorm2d '{normName}' after '{name}'.");
            targets.Add((conv, batchNorm));
        }

        var convNodes = proto.Graph.Node.Where(n => n.OpType == "Conv").Take(targets.Count).ToList();
        if (convNodes.Count != targets.Count)
            throw new InvalidDataException($"ONNX model '{onnxPath}' has {convNodes.Count} convolutions; the MobileNetV2 backbone needs {targets.Count}.");

        using var noGrad = torch.no_grad();
        for (var i = 0; i < targets.Count; i++)
        {
            var node = convNodes[i];
            var (conv, norm) = targets[i];
            var where = $"ONNX model '{onnxPath}', convolution {i + 1} ('{node.Name}')";
            if (node.Input.Count < 3 || !initializers.TryGetValue(node.Input[1], out var weightProto) || !initializers.TryGetValue(node.Input[2], out var biasProto))
                throw new InvalidDataException($"{where}: weight and bias must be initializers.");
            var expected = conv.Weight.shape;
            if (!weightProto.Dims.SequenceEqual(expected))
                throw new InvalidDataException($"{where}: weight shape [{string.Join(",", weightProto.Dims)}], expected [{string.Join(",", expected)}].");
            CheckAttributes(node, conv, where);

            conv.Weight.copy_(torch.tensor(OnnxModelFile.ToFloats(weightProto), expected));
            var bias = OnnxModelFile.ToFloats(biasProto);
            if (bias.Length != expected[0]) throw new InvalidDataException($"{where}: bias has {bias.Length} values, expected {expected[0]}.");
            norm.weight!.fill_(1f);
            norm.bias!.copy_(torch.tensor(bias));
            norm.running_mean!.zero_();
            norm.running_var!.fill_(1.0 - norm.eps);
        }
    }

    private static void CheckAttributes(NodeProto node, PaddedConv2d conv, string where)
    {
        var group = node.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
        var strides = node.Attribute.FirstOrDefault(a => a.Name == "strides")?.Ints.ToArray() ?? [1, 1];
        var pads = node.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
        if (group != conv.Groups) throw new InvalidDataException($"{where}: group {group}, expected {conv.Groups}.");
        if (strides.Any(s => s != conv.Stride)) throw new InvalidDataException($"{where}: strides [{string.Join(",", strides)}], expected {conv.Stride}.");
        var kernel = conv.Weight.shape[2];
        long[] expectedPads = conv.Stride == 2 ? [0, 0, 1, 1] : [kernel / 2, kernel / 2, kernel / 2, kernel / 2];
        if (!pads.SequenceEqual(expectedPads))
            throw new InvalidDataException($"{where}: pads [{string.Join(",", pads)}], expected [{string.Join(",", expectedPads)}].");
    }

    /// <summary>Orders dotted module paths with numeric parts compared as numbers (features.10 after features.9).</summary>
    private sealed class NumericPathComparer : IComparer<string>
    {
        public static readonly NumericPathComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('.');
            var b = (y ?? "").Split('.');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = int.TryParse(a[i], out var na) && int.TryParse(b[i], out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
