using Google.Protobuf;
using Malaria.Training.Onnx.Proto;

namespace Malaria.Training.Onnx;

/// <summary>
/// Appends nodes and float initializers to an ONNX graph under unique names, so an exporter can say what it computes
/// ("a Conv of x with these weights") without bookkeeping. Initializers (float32, int64) are written as little-endian
/// <c>raw_data</c>, the compact form every ONNX reader accepts. <c>namePrefix</c> starts every name it makes, so nodes
/// added to an existing graph cannot collide with that graph's names.
/// </summary>
internal sealed class OnnxGraphBuilder(string namePrefix = "")
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    /// <summary>A name not used yet: <paramref name="stem"/> itself, or the stem with a counter.</summary>
    public string UniqueName(string stem)
    {
        stem = namePrefix + stem;
        if (names.Add(stem)) return stem;
        for (var i = 1; ; i++)
        {
            var candidate = $"{stem}_{i}";
            if (names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Reserves a name chosen by the caller (graph inputs and outputs); fails if it is taken.</summary>
    public string Reserve(string name)
    {
        if (!names.Add(name)) throw new InvalidOperationException($"ONNX name '{name}' is used twice.");
        return name;
    }

    /// <summary>Adds a float32 initializer and returns its name.</summary>
    public string Initializer(string stem, ReadOnlySpan<float> values, params long[] dims)
    {
        var count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"Initializer '{stem}': {values.Length} values do not fill shape [{string.Join(",", dims)}].");
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return AddInitializer(stem, TensorProto.Types.DataType.Float, bytes, dims);
    }

    /// <summary>Adds a one-dimensional int64 initializer (shapes, axes, slice bounds) and returns its name.</summary>
    public string Int64Initializer(string stem, params long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return AddInitializer(stem, TensorProto.Types.DataType.Int64, bytes, [values.Length]);
    }

    /// <summary>Adds an int8 initializer (quantised weights) and returns its name.</summary>
    public string Int8Initializer(string stem, ReadOnlySpan<sbyte> values, params long[] dims) =>
        AddInitializer(stem, TensorProto.Types.DataType.Int8, CheckedBytes(stem, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), values.Length, dims), dims);

    /// <summary>Adds a uint8 initializer (activation zero points) and returns its name.</summary>
    public string UInt8Initializer(string stem, ReadOnlySpan<byte> values, params long[] dims) =>
        AddInitializer(stem, TensorProto.Types.DataType.Uint8, CheckedBytes(stem, values, values.Length, dims), dims);

    /// <summary>Adds an int32 initializer (quantised biases) and returns its name.</summary>
    public string Int32Initializer(string stem, ReadOnlySpan<int> values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(int)];
        for (var i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        return AddInitializer(stem, TensorProto.Types.DataType.Int32, CheckedBytes(stem, bytes, values.Length, dims), dims);
    }

    private static byte[] CheckedBytes(string stem, ReadOnlySpan<byte> bytes, int count, long[] dims)
    {
        if (dims.Aggregate(1L, (a, d) => a * d) != count)
            throw new ArgumentException($"Initializer '{stem}': {count} values do not fill shape [{string.Join(",", dims)}].");
        return bytes.ToArray();
    }

    private string AddInitializer(string stem, TensorProto.Types.DataType type, byte[] littleEndianBytes, long[] dims)
    {
        var tensor = new TensorProto
        {
            Name = UniqueName(stem),
            DataType = (int)type,
            RawData = ByteString.CopyFrom(littleEndianBytes),
        };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output named after <paramref name="outputStem"/> and returns that output's name.</summary>
    public string Node(string opType, string outputStem, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = UniqueName(outputStem);
        NodeTo(opType, output, inputs, attributes);
        return output;
    }

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs (e.g. Split) and returns their names.</summary>
    public string[] NodeWithOutputs(string opType, string outputStem, int outputCount, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var outputs = Enumerable.Range(0, outputCount).Select(_ => UniqueName(outputStem)).ToArray();
        AddNode(opType, outputs, inputs, attributes);
        return outputs;
    }

    /// <summary>Adds a node writing to an output name the caller already reserved (a graph output).</summary>
    public void NodeTo(string opType, string output, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        AddNode(opType, [output], inputs, attributes);

    private void AddNode(string opType, IEnumerable<string> outputs, IEnumerable<string> inputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{namePrefix}{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>A float32 tensor value description; a null dimension is symbolic and named by <paramref name="symbolicName"/>.</summary>
    public static ValueInfoProto FloatTensor(string name, IReadOnlyList<long?> dims, string symbolicName = "N") =>
        Tensor(name, TensorProto.Types.DataType.Float, dims, symbolicName);

    /// <summary>A tensor value description of any element type; null dimensions are symbolic.</summary>
    public static ValueInfoProto Tensor(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long?> dims, string symbolicName = "N")
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim is { } value ? new TensorShapeProto.Types.Dimension { DimValue = value } : new TensorShapeProto.Types.Dimension { DimParam = symbolicName });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
