using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Malaria.Inference.IO;

namespace Malaria.Training.Scoring;

/// <summary>
/// The committed chunks of a run folder: <c>chunks/chunk-NNNNNN.EXT</c>, each the rows of one chunk without a header,
/// written to a temporary name and renamed, so a chunk file is either complete or absent however the process ends.
/// A chunk on disk is never scored again; shards writing into one folder never touch each other's chunks.
/// </summary>
public sealed partial class ChunkStore(string runFolder, ScoreRowFormat format)
{
    /// <summary>The chunk folder's name inside a run folder.</summary>
    public const string FolderName = "chunks";

    /// <summary>Where the chunks are.</summary>
    public string Folder { get; } = Path.Combine(runFolder, FolderName);

    /// <summary>The file of chunk <paramref name="chunk"/>.</summary>
    public string PathOf(int chunk) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"chunk-{chunk:D6}{format.Extension}"));

    /// <summary>Whether chunk <paramref name="chunk"/> is committed.</summary>
    public bool Has(int chunk) => File.Exists(PathOf(chunk));

    /// <summary>Commits a chunk's rows, atomically.</summary>
    public void Commit(int chunk, IEnumerable<ScoreRow> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows) text.Append(format.Line(row)).Append('\n');
        AtomicFile.WriteAllText(PathOf(chunk), text.ToString());
    }

    /// <summary>
    /// Deletes the temporary files a killed process left behind for the chunks <paramref name="shard"/> owns; other
    /// shards' may be in the middle of a write and are left alone.
    /// </summary>
    public int DeleteLeftovers(Shard shard)
    {
        if (!Directory.Exists(Folder)) return 0;
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(Folder, ".chunk-*.tmp"))
        {
            var match = Leftover().Match(Path.GetFileName(file));
            if (!match.Success || !shard.Owns(int.Parse(match.Groups["chunk"].Value, CultureInfo.InvariantCulture))) continue;
            File.Delete(file);
            deleted++;
        }
        return deleted;
    }

    // AtomicFile's temporary name: ".<name>.<guid>.tmp".
    [GeneratedRegex(@"^\.chunk-(?<chunk>\d{6,9})\.[a-z]+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex Leftover();
}
