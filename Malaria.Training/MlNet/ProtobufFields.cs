namespace Malaria.Training.MlNet;

/// <summary>
/// Just enough of the protobuf wire format to edit an ONNX file at the field level: split a message into its fields,
/// change some, write them back. Field contents that are not touched are copied byte for byte.
/// </summary>
internal static class ProtobufFields
{
    /// <summary>One field: its number, wire type and either a varint value or its raw bytes.</summary>
    internal readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes.Span);
    }

    /// <summary>The fields of a message in file order.</summary>
    public static List<Field> Read(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0: fields.Add(new Field(number, 0, ReadVarint(span, ref position), default)); break;
                case 1: fields.Add(new Field(number, 1, 0, message.Slice(position, 8))); position += 8; break;
                case 2:
                    var length = checked((int)ReadVarint(span, ref position));
                    fields.Add(new Field(number, 2, 0, message.Slice(position, length)));
                    position += length;
                    break;
                case 5: fields.Add(new Field(number, 5, 0, message.Slice(position, 4))); position += 4; break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type {wireType} in field {number}.");
            }
        }
        if (position != span.Length) throw new InvalidDataException("Truncated protobuf message.");
        return fields;
    }

    /// <summary>Serialises fields back into a message.</summary>
    public static byte[] Write(IEnumerable<Field> fields)
    {
        using var stream = new MemoryStream();
        foreach (var field in fields)
        {
            WriteVarint(stream, ((ulong)field.Number << 3) | (uint)field.WireType);
            switch (field.WireType)
            {
                case 0: WriteVarint(stream, field.Varint); break;
                case 2: WriteVarint(stream, (ulong)field.Bytes.Length); stream.Write(field.Bytes.Span); break;
                default: stream.Write(field.Bytes.Span); break;
            }
        }
        return stream.ToArray();
    }

    public static Field Bytes(int number, ReadOnlyMemory<byte> bytes) => new(number, 2, 0, bytes);

    public static Field Text(int number, string text) => Bytes(number, System.Text.Encoding.UTF8.GetBytes(text));

    public static Field Message(int number, IEnumerable<Field> fields) => Bytes(number, Write(fields));

    public static Field Varint(int number, long value) => new(number, 0, unchecked((ulong)value), default);

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length) throw new InvalidDataException("Truncated protobuf varint.");
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("Malformed protobuf varint.");
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }
}
