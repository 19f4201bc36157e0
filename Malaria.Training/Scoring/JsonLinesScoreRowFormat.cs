using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Malaria.Training.Scoring;

/// <summary>
/// Score rows as JSON Lines: one object a line, properties in column order, absent values as null; no header. Paths
/// are written as they are (no \u escapes for non-ASCII), so the file reads like the CSV.
/// </summary>
public sealed class JsonLinesScoreRowFormat : ScoreRowFormat
{
    /// <summary>The one instance.</summary>
    public static readonly JsonLinesScoreRowFormat Instance = new();

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private JsonLinesScoreRowFormat() { }

    /// <inheritdoc/>
    public override ScoreFormat Format => ScoreFormat.Jsonl;

    /// <inheritdoc/>
    public override string Extension => ".jsonl";

    /// <inheritdoc/>
    public override string? Header => null;

    /// <inheritdoc/>
    public override string Line(ScoreRow row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString(Columns[0], row.Path);
            json.WriteString(Columns[1], row.Group);
            json.WriteString(Columns[2], row.Label);
            json.WritePropertyName(Columns[3]);
            if (row.Probability is { } p) json.WriteRawValue(Number(p)); else json.WriteNullValue();
            json.WriteString(Columns[4], row.ModelVersion);
            json.WriteString(Columns[5], row.Error);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <inheritdoc/>
    public override ScoreRow Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var o = document.RootElement;
            string? Text(string name) => o.GetProperty(name).GetString();
            var probability = o.GetProperty(Columns[3]);
            return new ScoreRow(Text(Columns[0]) ?? "", Text(Columns[1]) ?? "", Text(Columns[2]),
                probability.ValueKind == JsonValueKind.Null ? null : probability.GetSingle(), Text(Columns[4]) ?? "", Text(Columns[5]));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Not a score line: '{line}' ({ex.Message})", ex);
        }
    }
}
