using System.Text;

namespace Malaria.Training.Data;

/// <summary>
/// One CSV line's fields, RFC 4180 quoting (a field with a comma, quote or line break is quoted, quotes doubled): the
/// split files and the scoring inputs and outputs read and write through it, so they agree on every path.
/// </summary>
public static class CsvFields
{
    /// <summary>The field as CSV: quoted only when it has to be.</summary>
    public static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    /// <summary>The fields of one line (no line breaks inside fields; a trailing carriage return is dropped).</summary>
    public static List<string> Parse(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString().TrimEnd('\r'));
        return fields;
    }
}
