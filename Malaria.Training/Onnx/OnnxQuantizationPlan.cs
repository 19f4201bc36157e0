using Malaria.Training.Onnx.Proto;

namespace Malaria.Training.Onnx;

/// <summary>
/// What <see cref="OnnxQuantizer"/> will quantise in a float graph, found before calibration so calibration measures
/// only the tensors that need a range. Quantised: every <c>Conv</c> with constant weights reading at least <see cref="MinimumConvInputChannels"/> channels, and every <c>Gemm</c> with
/// constant weights in <c>transB = 1</c> layout (the exporter's classifier); their data inputs and the convolutions'
/// outputs get a uint8 QuantizeLinear/DequantizeLinear pair. A <c>Relu</c>, or a <c>Clip</c> from 0, that alone reads a
/// convolution's output is folded into that pair (the range starts at 0, so the quantiser's clamp is the activation):
/// ONNX Runtime then fuses DequantizeLinear -> Conv -> QuantizeLinear into one integer <c>QLinearConv</c>. A
/// <c>MaxPool</c> output reuses its input's scale (a maximum of quantised values is a quantised value), so the pool
/// runs on uint8 too.
/// </summary>
internal sealed class OnnxQuantizationPlan
{
    /// <summary>
    /// A convolution reading fewer channels stays in float: ONNX Runtime's integer kernel runs the first layer (3 colour
    /// planes) slower than its float one, since the integer kernels gain on the channel dot products and a 3-channel
    /// input has too few (docs/experiments/2026-12-02-int8-quantisation.md has the operator profile).
    /// </summary>
    public const int MinimumConvInputChannels = 8;

    /// <summary>Opset 13 is where QuantizeLinear/DequantizeLinear take a per-channel <c>axis</c>.</summary>
    public const int MinimumOpset = 13;

    private OnnxQuantizationPlan(ModelProto model)
    {
        var graph = model.Graph;
        var opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < MinimumOpset)
            throw new InvalidDataException($"The graph uses ONNX opset {opset}; per-channel int8 weights need opset {MinimumOpset} or later (export it again with this trainer).");
        var already = graph.Node.FirstOrDefault(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "ConvInteger" or "MatMulInteger");
        if (already is not null)
            throw new InvalidDataException($"The graph is quantised already (it has a {already.OpType} node '{already.Name}').");

        Initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        GraphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var input in node.Input.Where(i => i.Length > 0))
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);

        foreach (var node in graph.Node)
        {
            if (!IsQuantizable(node)) continue;
            Quantized.Add(node);
            AddActivation(node.Input[0]);
            if (node.OpType != "Conv") continue;
            var output = node.Output[0];
            if (!GraphOutputs.Contains(output) && consumers.TryGetValue(output, out var readers) && readers.Count == 1 && FoldableActivation(readers[0]) is { } ceiling)
            {
                Folded[node] = (readers[0], ceiling);
                AddActivation(readers[0].Output[0]);
            }
            else
            {
                AddActivation(output);
            }
        }
        if (Quantized.Count == 0) throw new InvalidDataException("The graph has no Conv or Gemm with constant weights to quantise.");

        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node, StringComparer.Ordinal);
        foreach (var tensor in Activations)
        {
            if (producers.TryGetValue(tensor, out var producer) && producer.OpType == "MaxPool" && producer.Output.Count == 1
                && Activations.Contains(producer.Input[0]))
                SharesRangeWith[tensor] = producer.Input[0];
        }
    }

    /// <summary>Reads the plan of <paramref name="model"/>, failing with the reason when it cannot be quantised.</summary>
    public static OnnxQuantizationPlan For(ModelProto model) => new(model);

    public IReadOnlyDictionary<string, TensorProto> Initializers { get; }

    public IReadOnlySet<string> GraphOutputs { get; }

    /// <summary>Conv and Gemm nodes whose inputs and weights are quantised.</summary>
    public List<NodeProto> Quantized { get; } = [];

    /// <summary>Activation tensors that get a QuantizeLinear/DequantizeLinear pair, in graph order.</summary>
    public List<string> Activations { get; } = [];

    /// <summary>Convolutions whose following activation is folded, with that node and its upper bound (infinity for Relu).</summary>
    public Dictionary<NodeProto, (NodeProto Activation, float Ceiling)> Folded { get; } = [];

    /// <summary>Tensors (MaxPool outputs) that reuse another tensor's scale and zero point instead of a measured range.</summary>
    public Dictionary<string, string> SharesRangeWith { get; } = new(StringComparer.Ordinal);

    /// <summary>The tensors calibration has to measure.</summary>
    public IReadOnlyList<string> CalibrationTensors => [.. Activations.Where(t => !SharesRangeWith.ContainsKey(t))];

    private bool IsQuantizable(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.Input.Count < 2) return false;
        if (!Initializers.TryGetValue(node.Input[1], out var weight) || weight.DataType != (int)TensorProto.Types.DataType.Float) return false;
        var bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && (!Initializers.TryGetValue(bias, out var b) || b.DataType != (int)TensorProto.Types.DataType.Float
            || b.Dims.Count != 1 || b.Dims[0] != weight.Dims[0])) return false;
        return node.OpType switch
        {
            "Conv" => weight.Dims.Count >= 3 && weight.Dims[1] * Group(node) >= MinimumConvInputChannels,
            // Per-channel needs the output rows first: B is [N,K] with transB = 1; alpha and beta scale nothing.
            "Gemm" => weight.Dims.Count == 2 && Attribute(node, "transB")?.I == 1 && Attribute(node, "transA") is null or { I: 0 }
                && Attribute(node, "alpha") is null or { F: 1f } && Attribute(node, "beta") is null or { F: 1f },
            _ => false,
        };
    }

    /// <summary>The ceiling of a Relu (infinity) or of a Clip whose floor is the constant 0; null for anything else.</summary>
    private float? FoldableActivation(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx")) return null;
        if (node.OpType == "Relu") return float.PositiveInfinity;
        if (node.OpType != "Clip" || node.Input.Count < 2 || !Initializers.TryGetValue(node.Input[1], out var floor)) return null;
        if (OnnxModelFile.ToFloats(floor) is not [0f]) return null;
        if (node.Input.Count < 3 || node.Input[2].Length == 0) return float.PositiveInfinity;
        return Initializers.TryGetValue(node.Input[2], out var ceiling) && OnnxModelFile.ToFloats(ceiling) is [var c] ? c : null;
    }

    private void AddActivation(string tensor)
    {
        if (!Activations.Contains(tensor)) Activations.Add(tensor);
    }

    private static long Group(NodeProto node) => Attribute(node, "group")?.I ?? 1;

    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
}
