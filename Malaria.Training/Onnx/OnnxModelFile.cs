using Google.Protobuf;
using Malaria.Training.Onnx.Proto;

namespace Malaria.Training.Onnx;

/// <summary>Reads ONNX files with the generated schema subset, turning parse failures into errors that name the file.</summary>
internal static class OnnxModelFile
{
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            if (model.Graph is null) throw new InvalidDataException($"ONNX model '{path}' has no graph.");
            return model;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"'{path}' is not a valid ONNX model: {ex.Message}", ex);
        }
    }

    /// <summary>A float tensor's values, from <c>raw_data</c> (little-endian) or <c>float_data</c>.</summary>
    public static float[] ToFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' has data type {tensor.DataType}, not float.");
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' keeps its data in an external file, which is not supported.");
        if (!tensor.RawData.IsEmpty)
        {
            var raw = tensor.RawData.Span;
            var values = new float[raw.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
                values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
            return values;
        }
        return [.. tensor.FloatData];
    }
}
