using System.Globalization;
using System.Text;
using Malaria.Inference.IO;

namespace Malaria.Training.Data;

/// <summary>
/// Reads and writes a split as CSV (<c>path,label,group,part</c>) so later runs and evaluations reuse exactly the same
/// split. Paths are stored relative to the CSV's folder when they lie below it, and absolute otherwise.
/// </summary>
public static class SplitFile
{
    private const string Header = "path,label,group,part";

    /// <summary>Writes the split atomically.</summary>
    public static void Write(string path, IEnumerable<SplitEntry> entries)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var text = new StringBuilder(Header).Append('\n');
        foreach (var e in entries)
        {
            var relative = Path.GetRelativePath(folder, e.Image.Path);
            var stored = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFullPath(e.Image.Path) : relative;
            text.Append(CsvFields.Quote(stored.Replace('\\', '/'))).Append(',')
                .Append(CsvFields.Quote(e.Image.Label)).Append(',')
                .Append(CsvFields.Quote(e.Image.Group)).Append(',')
                .Append(e.Part.ToString().ToLowerInvariant()).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads a split file; paths come back absolute. Errors name the file and the line.</summary>
    public static IReadOnlyList<SplitEntry> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Split file '{path}' does not exist.", path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !string.Equals(lines[0].Trim(), Header, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Split file '{path}' must start with the header '{Header}'.");
        var entries = new List<SplitEntry>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var fields = CsvFields.Parse(lines[i]);
            if (fields.Count != 4)
                throw new InvalidDataException($"Split file '{path}' line {i + 1}: expected 4 fields, found {fields.Count}.");
            if (!Enum.TryParse<SplitPart>(fields[3], ignoreCase: true, out var part))
                throw new InvalidDataException($"Split file '{path}' line {i + 1}: unknown part '{fields[3]}' (train, validation or test).");
            var imagePath = Path.IsPathRooted(fields[0]) ? fields[0] : Path.GetFullPath(Path.Combine(folder, fields[0]));
            entries.Add(new SplitEntry(new LabeledImage(imagePath, fields[1], fields[2]), part));
        }
        return entries;
    }
}
