using static Malaria.Training.MlNet.ProtobufFields;

namespace Malaria.Training.MlNet;

/// <summary>
/// Test-time augmentation inside the model: rewrites the MobileNetV2 ONNX graph so that it puts the 8 rotations and
/// mirror images of each input through the backbone as one batch and returns the mean of their features. Input
/// (<c>input</c> [N,3,S,S]) and output (<c>features</c> [N,1280]) keep their names and shapes, so the wrapped graph
/// replaces the plain one in the ML.NET chain without any other change; ML.NET has no flip or rotate transform.
/// </summary>
public static class ViewAveragingBackbone
{
    private const string Views = "tta_views", ViewFeatures = "tta_view_features", Stacked = "tta_stacked";
    private const int ViewCount = 8;

    /// <summary>The wrapped model as ONNX bytes.</summary>
    public static byte[] Wrap(byte[] backboneOnnx)
    {
        ArgumentNullException.ThrowIfNull(backboneOnnx);
        var model = Read(backboneOnnx);
        var graphIndex = model.FindIndex(f => f.Number == 7 && f.WireType == 2);
        if (graphIndex < 0) throw new InvalidDataException("The ONNX file has no graph.");

        var graph = Read(model[graphIndex].Bytes);
        var nodes = new List<Field>();
        var rest = new List<Field>();
        var sawInput = false;
        var sawFeatures = false;
        foreach (var field in graph)
        {
            switch (field.Number)
            {
                case 1:  // node: feed it the views instead of the input, and rename its per-view features output
                    var node = Read(field.Bytes);
                    var renamed = node.Select(f =>
                        f.Number == 1 && f.Text == MobileNetV2Backbone.InputTensorName ? Rename(f, Views, ref sawInput)
                        : f.Number == 2 && f.Text == MobileNetV2Backbone.FeaturesTensorName ? Rename(f, ViewFeatures, ref sawFeatures)
                        : f).ToList();
                    nodes.Add(Message(1, renamed));
                    break;
                case 12:  // graph outputs: replaced by the averaged features alone
                    break;
                case 13:  // shape notes: they tie inner tensors to the input's batch N, which is now 8N; ONNX Runtime re-infers them
                    break;
                default:
                    rest.Add(field);
                    break;
            }
        }
        if (!sawInput || !sawFeatures)
            throw new InvalidDataException($"The backbone graph must read '{MobileNetV2Backbone.InputTensorName}' and produce '{MobileNetV2Backbone.FeaturesTensorName}'.");

        var x = MobileNetV2Backbone.InputTensorName;
        var newGraph = new List<Field>();
        newGraph.AddRange(ViewNodes(x));
        newGraph.AddRange(nodes);
        newGraph.Add(Node("Reshape", [ViewFeatures, "tta_shape"], [Stacked]));
        newGraph.Add(Node("ReduceMean", [Stacked], [MobileNetV2Backbone.FeaturesTensorName], Ints("axes", 0), Int("keepdims", 0)));
        newGraph.AddRange(rest);
        newGraph.Add(Int64Tensor("tta_shape", [ViewCount, -1, MobileNetV2Backbone.FeatureCount]));
        newGraph.Add(Int64Tensor("tta_start", [-1]));
        newGraph.Add(Int64Tensor("tta_end", [long.MinValue]));
        newGraph.Add(Int64Tensor("tta_step", [-1]));
        newGraph.Add(Int64Tensor("tta_axis_h", [2]));
        newGraph.Add(Int64Tensor("tta_axis_w", [3]));
        newGraph.Add(Message(12, [Text(1, MobileNetV2Backbone.FeaturesTensorName), FloatTensorType("N", MobileNetV2Backbone.FeatureCount)]));

        model[graphIndex] = Message(7, newGraph);
        return Write(model);
    }

    // v0 = x, v1 = mirror left-right, v2 = mirror top-bottom, v3 = 180 degrees; t0..t3 the same of the transpose.
    private static IEnumerable<Field> ViewNodes(string x)
    {
        Field Flip(string input, string output, string axis) => Node("Slice", [input, "tta_start", "tta_end", axis, "tta_step"], [output]);
        yield return Flip(x, "tta_v1", "tta_axis_w");
        yield return Flip(x, "tta_v2", "tta_axis_h");
        yield return Flip("tta_v1", "tta_v3", "tta_axis_h");
        yield return Node("Transpose", [x], ["tta_t0"], Ints("perm", 0, 1, 3, 2));
        yield return Flip("tta_t0", "tta_t1", "tta_axis_w");
        yield return Flip("tta_t0", "tta_t2", "tta_axis_h");
        yield return Flip("tta_t1", "tta_t3", "tta_axis_h");
        yield return Node("Concat", [x, "tta_v1", "tta_v2", "tta_v3", "tta_t0", "tta_t1", "tta_t2", "tta_t3"], [Views], Int("axis", 0));
    }

    private static Field Rename(Field field, string name, ref bool seen)
    {
        seen = true;
        return Text(field.Number, name);
    }

    private static Field Node(string op, string[] inputs, string[] outputs, params Field[] attributes)
    {
        var fields = new List<Field>();
        fields.AddRange(inputs.Select(i => Text(1, i)));
        fields.AddRange(outputs.Select(o => Text(2, o)));
        fields.Add(Text(3, $"tta_{op}_{outputs[0]}"));
        fields.Add(Text(4, op));
        fields.AddRange(attributes);
        return Message(1, fields);
    }

    // AttributeProto: name 1, i 3, ints 8, type 20 (INT = 2, INTS = 7).
    private static Field Int(string name, long value) => Message(5, [Text(1, name), Varint(3, value), Varint(20, 2)]);

    private static Field Ints(string name, params long[] values) =>
        Message(5, [Text(1, name), .. values.Select(v => Varint(8, v)), Varint(20, 7)]);

    // TensorProto: dims 1, data_type 2 (INT64 = 7), name 8, raw_data 9 (little-endian).
    private static Field Int64Tensor(string name, long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(i * 8), values[i]);
        return Message(5, [Varint(1, values.Length), Varint(2, 7), Text(8, name), Bytes(9, raw)]);
    }

    // TypeProto { tensor_type 1 { elem_type 1 (FLOAT = 1), shape 2 { dim 1 { dim_param 2 | dim_value 1 } } } }.
    private static Field FloatTensorType(string batch, int features) =>
        Message(2, [Message(1, [Varint(1, 1), Message(2, [Message(1, [Text(2, batch)]), Message(1, [Varint(1, features)])])])]);
}
