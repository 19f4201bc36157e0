using System.Text;

namespace Malaria.Inference.Tests;

/// <summary>
/// Writes a small ONNX classifier with the layout the library expects of exported models: input <c>input</c>
/// float [N,3,S,S] (RGB 0..255), output <c>probabilities</c> [N,2]. Logits come from the mean of each colour
/// channel, so red images score label 0 and blue ones label 1 (or the reverse when <c>flipped</c>). A dense branch
/// with <c>ballastFloats</c> weights (multiplied by zero) gives each session a known amount of native memory, so a
/// session leaked per reload would show in the process RSS. Encoded by hand as protobuf to need no ONNX package.
/// </summary>
internal static class TinyOnnxModel
{
    public static byte[] Create(int size, bool flipped, int hidden = 1024, string outputName = "probabilities")
    {
        var sign = flipped ? -1f : 1f;
        // logits = mean(R,G,B) @ W + b: label 0 likes red, label 1 likes blue.
        float[] weights = [0.05f * sign, -0.05f * sign, 0, 0, -0.05f * sign, 0.05f * sign];
        var features = 3 * size * size;
        var ballast = new float[features * hidden];
        for (var i = 0; i < ballast.Length; i++) ballast[i] = (i % 7) * 1e-4f;

        var graph = new Proto();
        graph.Message(1, Node("ReduceMean", ["input"], ["means"], Ints("axes", 2, 3), Int("keepdims", 0)));
        graph.Message(1, Node("MatMul", ["means", "W"], ["logits0"]));
        graph.Message(1, Node("Flatten", ["input"], ["flat"], Int("axis", 1)));
        graph.Message(1, Node("MatMul", ["flat", "B1"], ["hidden"]));
        graph.Message(1, Node("ReduceMean", ["hidden"], ["hiddenMean"], Ints("axes", 1), Int("keepdims", 1)));
        graph.Message(1, Node("Mul", ["hiddenMean", "zero"], ["nothing"]));
        graph.Message(1, Node("Add", ["logits0", "nothing"], ["logits"]));
        graph.Message(1, Node("Softmax", ["logits"], [outputName], Int("axis", 1)));
        graph.String(2, "tiny-malaria");
        graph.Message(5, Tensor("W", [3, 2], weights));
        graph.Message(5, Tensor("B1", [features, hidden], ballast));
        graph.Message(5, Tensor("zero", [1], [0f]));
        graph.Message(11, ValueInfo("input", ["N", 3, size, size]));
        graph.Message(12, ValueInfo(outputName, ["N", 2]));

        return ModelBytes(graph);
    }

    /// <summary>A graph as a model file: IR version 8, opset 13.</summary>
    internal static byte[] ModelBytes(Proto graph)
    {
        var model = new Proto();
        model.Varint(1, 8);  // IR version
        model.String(2, "Malaria.Tests");
        model.Message(7, graph);
        var opset = new Proto();
        opset.Varint(2, 13);
        model.Message(8, opset);
        return model.ToArray();
    }

    internal static Proto Node(string op, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        node.String(4, op);
        foreach (var a in attributes) node.Message(5, a);
        return node;
    }

    internal static Proto Int(string name, long value)
    {
        var a = new Proto();
        a.String(1, name);
        a.Varint(3, (ulong)value);
        a.Varint(20, 2);  // INT
        return a;
    }

    internal static Proto Ints(string name, params long[] values)
    {
        var a = new Proto();
        a.String(1, name);
        foreach (var v in values) a.Varint(8, (ulong)v);
        a.Varint(20, 7);  // INTS
        return a;
    }

    internal static Proto Tensor(string name, long[] dims, float[] values)
    {
        var t = new Proto();
        foreach (var d in dims) t.Varint(1, (ulong)d);
        t.Varint(2, 1);  // FLOAT
        t.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        t.Bytes(9, raw);
        return t;
    }

    internal static Proto ValueInfo(string name, object[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            var dim = new Proto();
            if (d is string symbol) dim.String(2, symbol); else dim.Varint(1, (ulong)Convert.ToInt64(d));
            shape.Message(1, dim);
        }
        var tensor = new Proto();
        tensor.Varint(1, 1);  // FLOAT
        tensor.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensor);
        var info = new Proto();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    /// <summary>Just enough protobuf: varints and length-delimited fields.</summary>
    internal sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            WriteVarint((ulong)field << 3);
            WriteVarint(value);
        }

        public void Bytes(int field, byte[] value)
        {
            WriteVarint(((ulong)field << 3) | 2);
            WriteVarint((ulong)value.Length);
            _stream.Write(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Proto value) => Bytes(field, value.ToArray());

        public byte[] ToArray() => _stream.ToArray();

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
