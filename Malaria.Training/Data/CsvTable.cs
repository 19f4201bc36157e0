namespace Malaria.Training.Data;

/// <summary>
/// A CSV file with a header line, read row by row (<see cref="CsvFields"/> splits the lines): columns are found by
/// name, case-insensitively, and a row whose field count differs from the header's is an error naming its line.
/// </summary>
public sealed class CsvTable : IDisposable
{
    private readonly StreamReader reader;
    private readonly string describe;

    private CsvTable(StreamReader reader, string describe)
    {
        this.reader = reader;
        this.describe = describe;
        Header = reader.ReadLine() is { } first ? [.. CsvFields.Parse(first).Select(h => h.Trim())] : [];
    }

    /// <summary>Opens <paramref name="file"/>; <paramref name="describe"/> starts each error message, such as "CSV 'a.csv'".</summary>
    public static CsvTable Open(string file, string describe) => new(new StreamReader(file), describe);

    /// <summary>The header's column names, trimmed.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The index of the column named <paramref name="name"/> (any case), or -1.</summary>
    public int Find(string name)
    {
        for (var i = 0; i < Header.Count; i++)
            if (string.Equals(Header[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>The index of the first of <paramref name="names"/> present, or -1.</summary>
    public int FindFirst(IEnumerable<string> names) => names.Select(Find).FirstOrDefault(i => i >= 0, -1);

    /// <summary>Every non-empty line after the header, with its 1-based line number.</summary>
    /// <exception cref="InvalidDataException">A line with another number of fields than the header.</exception>
    public IEnumerable<(int Line, List<string> Fields)> Rows()
    {
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var fields = CsvFields.Parse(line);
            if (fields.Count != Header.Count)
                throw new InvalidDataException($"{describe} line {lineNumber}: {fields.Count} fields where the header has {Header.Count}.");
            yield return (lineNumber, fields);
        }
    }

    public void Dispose() => reader.Dispose();
}
