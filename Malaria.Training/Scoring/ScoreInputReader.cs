using Malaria.Training.Data;

namespace Malaria.Training.Scoring;

/// <summary>
/// Reads what <c>score</c> is given into a <see cref="ScoreInput"/>: a folder tree (every PNG, JPEG and BMP below it,
/// hidden files left out), a CSV with a header naming a <c>path</c> or <c>relpath</c> column (a split, the data set's
/// manifest), or any other file as a list of paths, one a line (blank lines and lines starting with '#' skipped).
/// Relative paths are taken from the list's or CSV's folder. The order is fixed here, once, for every run, shard and
/// merge: ordinal order of the keys, so it does not depend on the file system's listing order or the culture.
/// </summary>
public static class ScoreInputReader
{
    /// <summary>The group columns looked for in a CSV when none is named: the split's, then the manifest's patient partition, then its patient id.</summary>
    public static readonly IReadOnlyList<string> GroupColumns = ["group", "group_prefix", "patient_id"];

    /// <summary>The path columns looked for in a CSV: the split's, then the manifest's.</summary>
    public static readonly IReadOnlyList<string> PathColumns = ["path", "relpath"];

    /// <summary>What <paramref name="path"/> is read as.</summary>
    public static ScoreInputKind KindOf(string path) =>
        Directory.Exists(path) ? ScoreInputKind.Folder
        : string.Equals(Path.GetExtension(path), ".csv", StringComparison.OrdinalIgnoreCase) ? ScoreInputKind.Manifest
        : ScoreInputKind.FileList;

    /// <summary>Reads the input; <paramref name="groupColumn"/> names a CSV's group column (default: the first of <see cref="GroupColumns"/> present).</summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A CSV without a path column or the named group column, a path named twice, a path with a line break.</exception>
    public static ScoreInput Read(string path, string? groupColumn = null)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full) && !File.Exists(full))
            throw new FileNotFoundException($"Input '{full}' does not exist: give a folder of images, a file list (one path a line) or a CSV with a path column.", full);
        var kind = KindOf(full);
        if (groupColumn is not null && kind != ScoreInputKind.Manifest)
            throw new ArgumentException($"A group column ('{groupColumn}') applies to a CSV input only; '{full}' is read as a {Describe(kind)}, grouped by folder.");
        var root = kind == ScoreInputKind.Folder ? full : Path.GetDirectoryName(full)!;
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        string Intern(string group) => groups.TryGetValue(group, out var known) ? known : groups[group] = group;
        var items = new List<ScoreItem>();
        var entries = kind switch
        {
            ScoreInputKind.Folder => FolderEntries(full),
            ScoreInputKind.Manifest => ManifestEntries(full, groupColumn),
            _ => ListEntries(full),
        };
        foreach (var (raw, group) in entries)
        {
            if (raw.AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw new InvalidDataException($"Input '{full}' names a path with a line break ('{raw.ReplaceLineEndings("\\n")}'); rename the file, the outputs are one line per image.");
            var key = Key(root, raw);
            items.Add(new ScoreItem(key, Intern(string.IsNullOrEmpty(group) ? ParentOf(key) : group)));
        }
        items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        for (var i = 1; i < items.Count; i++)
            if (string.Equals(items[i].Key, items[i - 1].Key, StringComparison.Ordinal))
                throw new InvalidDataException($"Input '{full}' names '{items[i].Key}' more than once; each image is scored once, so list each path once (symbolic links give one file several names).");
        return new ScoreInput(root, kind, full, items);
    }

    /// <summary>The path as the outputs name it: relative to <paramref name="root"/> with '/' separators, or absolute when outside it.</summary>
    public static string Key(string root, string path)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));
        var relative = Path.GetRelativePath(root, full);
        var key = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
        return Path.DirectorySeparatorChar == '/' ? key : key.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>The folder a key lies in ('.' for the input's own folder): the slide folder when nothing names the patient.</summary>
    public static string ParentOf(string key)
    {
        var slash = key.LastIndexOf('/');
        return slash <= 0 ? (slash == 0 ? "/" : ".") : key[..slash];
    }

    private static IEnumerable<(string Path, string? Group)> FolderEntries(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, MatchCasing = MatchCasing.CaseInsensitive };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => ImageFolderDataset.ImageExtensions.Contains(Path.GetExtension(f)))
            .Select(f => (f, (string?)null));
    }

    private static IEnumerable<(string Path, string? Group)> ListEntries(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            yield return (trimmed, null);
        }
    }

    private static IEnumerable<(string Path, string? Group)> ManifestEntries(string file, string? groupColumn)
    {
        using var table = CsvTable.Open(file, $"CSV '{file}'");
        var pathIndex = table.FindFirst(PathColumns);
        if (pathIndex < 0)
            throw new InvalidDataException($"CSV '{file}' has no path column: its header is '{string.Join(',', table.Header)}'; it needs one of {string.Join(", ", PathColumns)} (or give a file list, one path a line).");
        var groupIndex = groupColumn is null ? table.FindFirst(GroupColumns) : table.Find(groupColumn);
        if (groupColumn is not null && groupIndex < 0)
            throw new InvalidDataException($"CSV '{file}' has no column '{groupColumn}' (the group column asked for); its columns are {string.Join(", ", table.Header)}.");
        foreach (var (line, fields) in table.Rows())
        {
            if (fields[pathIndex].Length == 0)
                throw new InvalidDataException($"CSV '{file}' line {line}: the path ({table.Header[pathIndex]}) is empty.");
            yield return (fields[pathIndex], groupIndex < 0 ? null : fields[groupIndex]);
        }
    }

    private static string Describe(ScoreInputKind kind) => kind switch
    {
        ScoreInputKind.Folder => "folder",
        ScoreInputKind.Manifest => "CSV",
        _ => "file list",
    };
}
