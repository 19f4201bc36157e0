using System.Globalization;
using System.Text;
using Malaria.Inference.IO;

namespace Malaria.Training.Scoring;

/// <summary>
/// Joins the committed chunks of a run, from one run folder or from several shards' folders, into the final
/// <c>scores.csv</c> or <c>scores.jsonl</c> and <c>summary.csv</c>: the header, then every chunk in chunk order, byte
/// for byte, so the result is the same file whichever shard scored which chunk and however often a run was restarted.
/// Streams: one chunk in memory at a time. Refuses folders of different runs, missing chunks, and a chunk with the
/// wrong number of rows.
/// </summary>
public static class ScoreMerge
{
    /// <summary>The merged scores' file name for a format.</summary>
    public static string ScoresFile(ScoreFormat format) => "scores" + ScoreRowFormat.For(format).Extension;

    /// <summary>The chunks of <paramref name="run"/> that none of <paramref name="sources"/> holds.</summary>
    public static IReadOnlyList<int> MissingChunks(ScoreRun run, IReadOnlyList<string> sources)
    {
        var stores = sources.Select(s => new ChunkStore(s, ScoreRowFormat.For(run.Format))).ToList();
        return [.. Enumerable.Range(0, run.Chunks).Where(c => !stores.Any(s => s.Has(c)))];
    }

    /// <summary>The one run that every folder of <paramref name="sources"/> records.</summary>
    /// <exception cref="InvalidDataException">A folder records no run, or folders record different runs.</exception>
    public static ScoreRun RunOf(IReadOnlyList<string> sources)
    {
        if (sources.Count == 0) throw new ArgumentException("Name at least one run folder to merge.");
        ScoreRun? first = null;
        foreach (var source in sources)
        {
            var run = ScoreRun.Read(source) ?? throw new InvalidDataException($"'{source}' holds no {ScoreRun.FileName}: it is not the --out folder of a score run.");
            if (first is null) first = run;
            else if (run.Fingerprint != first.Fingerprint)
                throw new InvalidDataException($"'{source}' holds another run than '{sources[0]}' (input, order, chunk size, format or model differ: fingerprints {run.Fingerprint[..12]} and {first.Fingerprint[..12]}); only shards of one run can be merged.");
        }
        return first!;
    }

    /// <summary>Writes the merged scores and the summary into <paramref name="outFolder"/>; returns the summary.</summary>
    /// <exception cref="InvalidDataException">Chunks are missing or damaged, or the folders hold different runs.</exception>
    public static GroupSummary Run(IReadOnlyList<string> sources, string outFolder)
    {
        var run = RunOf(sources);
        if (ScoreRun.Read(outFolder) is { } there && there.Fingerprint != run.Fingerprint)
            throw new InvalidDataException($"'{outFolder}' already holds another run ({there.Fingerprint[..12]}, not {run.Fingerprint[..12]}); merge into a new folder.");
        var missing = MissingChunks(run, sources);
        if (missing.Count > 0)
            throw new InvalidDataException($"{missing.Count} of {run.Chunks} chunks are not scored yet (first: {string.Join(", ", missing.Take(5))}); "
                + "chunk C belongs to shard C mod N: rerun the shards that own them (the same command resumes), then merge.");
        var format = ScoreRowFormat.For(run.Format);
        var stores = sources.Select(s => new ChunkStore(s, format)).ToList();
        var summary = new GroupSummary(run.PositiveLabel);
        Directory.CreateDirectory(outFolder);
        AtomicFile.Write(Path.Combine(outFolder, ScoresFile(run.Format)), stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            if (format.Header is { } header) writer.WriteLine(header);
            for (var chunk = 0; chunk < run.Chunks; chunk++)
            {
                var path = stores.First(s => s.Has(chunk)).PathOf(chunk);
                var rows = 0;
                foreach (var line in File.ReadLines(path))
                {
                    ScoreRow row;
                    try { row = format.Parse(line); }
                    catch (InvalidDataException ex) { throw new InvalidDataException($"Chunk file '{path}' line {rows + 1}: {ex.Message}", ex); }
                    summary.Add(row);
                    writer.WriteLine(line);
                    rows++;
                }
                if (rows != run.ChunkLength(chunk))
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"Chunk file '{path}' has {rows} rows where chunk {chunk} has {run.ChunkLength(chunk)} images; delete it and rerun its shard."));
            }
        });
        AtomicFile.WriteAllText(Path.Combine(outFolder, GroupSummary.FileName), summary.ToCsv());
        if (ScoreRun.Read(outFolder) is null) run.Write(outFolder);
        return summary;
    }
}
