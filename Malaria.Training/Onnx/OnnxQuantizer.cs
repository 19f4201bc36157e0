using System.Globalization;
using Malaria.Training.Onnx.Proto;

namespace Malaria.Training.Onnx;

/// <summary>
/// Static int8 quantisation of a float ONNX graph in the QDQ form (QuantizeLinear/DequantizeLinear pairs that ONNX
/// Runtime's CPU provider fuses into integer kernels at load): weights per output channel, symmetric int8
/// (<see cref="Int8ChannelWeights"/>); activations per tensor, asymmetric uint8 from calibrated ranges
/// (<see cref="UInt8Quantization"/>); biases int32 with scale input scale x weight scale, as the integer kernels
/// accumulate. Inputs, outputs, names of graph outputs and metadata are kept, so a quantised file replaces the float
/// one wherever that one is read. Which nodes are quantised is <see cref="OnnxQuantizationPlan"/>'s choice.
/// </summary>
/// <remarks>uint8 activations with int8 weights (U8S8) are the combination ONNX Runtime's x86 kernels run fastest, with
/// AVX-512 VNNI or AVX-VNNI doing the u8 x s8 dot products in one instruction. On x86 without VNNI, the AVX2 kernels add
/// pairs of u8 x s8 products in 16 bits, which can saturate with full-range weights (ONNX Runtime's documentation
/// suggests 7-bit weights there); this quantiser targets VNNI machines and does not reduce the range.</remarks>
internal static class OnnxQuantizer
{
    /// <summary>Metadata key describing the quantisation (absent from float graphs).</summary>
    public const string MetadataKey = "malaria.quantization";

    /// <summary>Prefix of every name the quantiser adds; a graph already using it is refused rather than risking a clash.</summary>
    public const string NamePrefix = "int8_";

    /// <summary>
    /// The quantised copy of <paramref name="model"/>; <paramref name="ranges"/> holds the calibrated range of every
    /// tensor in <see cref="OnnxQuantizationPlan.CalibrationTensors"/>. <paramref name="description"/> (how it was
    /// calibrated) goes into the metadata.
    /// </summary>
    public static ModelProto Quantize(ModelProto model, IReadOnlyDictionary<string, ActivationRange> ranges, string description)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranges);
        var plan = OnnxQuantizationPlan.For(model);
        var source = model.Graph;
        var taken = source.Node.SelectMany(n => n.Output).Concat(source.Initializer.Select(i => i.Name)).Concat(source.Input.Select(i => i.Name))
            .FirstOrDefault(n => n.StartsWith(NamePrefix, StringComparison.Ordinal));
        if (taken is not null) throw new InvalidDataException($"The graph already has a name starting with '{NamePrefix}' ('{taken}').");

        var parameters = ActivationParameters(plan, ranges);
        var graph = new OnnxGraphBuilder(NamePrefix);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var folded = plan.Folded.Values.Select(f => f.Activation).ToHashSet();

        // Graph inputs read directly by a quantised node get their pair first.
        foreach (var input in source.Input.Where(i => parameters.ContainsKey(i.Name)))
            renamed[input.Name] = QuantizePair(graph, input.Name, parameters[input.Name], null);

        foreach (var original in source.Node)
        {
            if (folded.Contains(original)) continue;
            var node = original.Clone();
            for (var i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out var dequantized)) node.Input[i] = dequantized;
            if (plan.Quantized.Contains(original)) QuantizeWeights(graph, plan, node, parameters[original.Input[0]]);
            graph.Graph.Node.Add(node);

            if (plan.Folded.TryGetValue(original, out var fold))
            {
                // The activation's output is now the DequantizeLinear's: its readers need no renaming.
                var activationOutput = fold.Activation.Output[0];
                QuantizePair(graph, node.Output[0], parameters[activationOutput], activationOutput);
                continue;
            }
            foreach (var output in node.Output.Where(parameters.ContainsKey))
                renamed[output] = QuantizePair(graph, output, parameters[output], null);
        }

        var used = graph.Graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var result = model.Clone();
        result.Graph.Node.Clear();
        result.Graph.Node.AddRange(graph.Graph.Node);
        result.Graph.Initializer.Clear();
        result.Graph.Initializer.AddRange(source.Initializer.Where(i => used.Contains(i.Name)));
        result.Graph.Initializer.AddRange(graph.Graph.Initializer);
        // Shape annotations of tensors no node writes any more (the folded activations' own outputs are now written by
        // a DequantizeLinear, so they stay).
        var produced = result.Graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        foreach (var info in result.Graph.ValueInfo.Where(v => !produced.Contains(v.Name)).ToList()) result.Graph.ValueInfo.Remove(info);
        result.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = description });
        result.DocString = (result.DocString.Length > 0 ? result.DocString + " " : "") +
            string.Create(CultureInfo.InvariantCulture, $"Quantised to int8 (QDQ; {plan.Quantized.Count} Conv/Gemm nodes): {description}");
        return result;
    }

    /// <summary>Scale and zero point of every quantised activation, from its range or from the tensor it shares one with.</summary>
    private static Dictionary<string, UInt8Quantization> ActivationParameters(OnnxQuantizationPlan plan, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var ceilings = plan.Folded.Values.ToDictionary(f => f.Activation.Output[0], f => f.Ceiling, StringComparer.Ordinal);
        var parameters = new Dictionary<string, UInt8Quantization>(StringComparer.Ordinal);
        foreach (var tensor in plan.Activations)
        {
            if (parameters.ContainsKey(tensor)) continue;
            if (plan.SharesRangeWith.TryGetValue(tensor, out var other))
            {
                parameters[tensor] = parameters[other];
                continue;
            }
            if (!ranges.TryGetValue(tensor, out var range))
                throw new ArgumentException($"Calibration gave no range for tensor '{tensor}'.", nameof(ranges));
            if (ceilings.TryGetValue(tensor, out var ceiling)) range = range with { Max = Math.Min(range.Max, ceiling) };
            parameters[tensor] = UInt8Quantization.FromRange(range);
        }
        return parameters;
    }

    /// <summary>QuantizeLinear then DequantizeLinear of <paramref name="tensor"/>; returns the dequantised name.</summary>
    private static string QuantizePair(OnnxGraphBuilder graph, string tensor, UInt8Quantization q, string? output)
    {
        var scale = graph.Initializer($"{tensor}_scale", [q.Scale]);
        var zeroPoint = graph.UInt8Initializer($"{tensor}_zero_point", [q.ZeroPoint]);
        var quantized = graph.Node("QuantizeLinear", $"{tensor}_quantized", [tensor, scale, zeroPoint]);
        if (output is null) return graph.Node("DequantizeLinear", $"{tensor}_dequantized", [quantized, scale, zeroPoint]);
        graph.NodeTo("DequantizeLinear", output, [quantized, scale, zeroPoint]);
        return output;
    }

    /// <summary>Replaces the node's float weight and bias with int8 and int32 initializers read through DequantizeLinear (axis 0).</summary>
    private static void QuantizeWeights(OnnxGraphBuilder graph, OnnxQuantizationPlan plan, NodeProto node, UInt8Quantization input)
    {
        var weight = plan.Initializers[node.Input[1]];
        var channels = (int)weight.Dims[0];
        var quantized = Int8ChannelWeights.Quantize(OnnxModelFile.ToFloats(weight), channels);
        var axis = OnnxGraphBuilder.Int("axis", 0);
        var values = graph.Int8Initializer($"{weight.Name}_quantized", quantized.Values, [.. weight.Dims]);
        var scales = graph.Initializer($"{weight.Name}_scale", quantized.Scales, channels);
        var zeroPoints = graph.Int8Initializer($"{weight.Name}_zero_point", new sbyte[channels], channels);
        node.Input[1] = graph.Node("DequantizeLinear", $"{weight.Name}_dequantized", [values, scales, zeroPoints], axis);
        if (node.Input.Count < 3 || node.Input[2].Length == 0) return;

        var bias = plan.Initializers[node.Input[2]];
        var biasValues = OnnxModelFile.ToFloats(bias);
        var biasScales = quantized.Scales.Select(s => s * input.Scale).ToArray();
        var biasQuantized = biasValues.Select((b, c) => (int)Math.Clamp(Math.Round((double)b / biasScales[c], MidpointRounding.ToEven), int.MinValue + 1, int.MaxValue)).ToArray();
        var biasValuesName = graph.Int32Initializer($"{bias.Name}_quantized", biasQuantized, channels);
        var biasScaleName = graph.Initializer($"{bias.Name}_scale", biasScales, channels);
        var biasZeroPoints = graph.Int32Initializer($"{bias.Name}_zero_point", new int[channels], channels);
        node.Input[2] = graph.Node("DequantizeLinear", $"{bias.Name}_dequantized", [biasValuesName, biasScaleName, biasZeroPoints], axis);
    }
}
