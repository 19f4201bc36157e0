using System.Text;
using Malaria.Training.Data;

namespace Malaria.Training.Scoring;

/// <summary>Score rows as CSV: a header line, then path,group,label,probability,model_version,error (empty when absent).</summary>
public sealed class CsvScoreRowFormat : ScoreRowFormat
{
    /// <summary>The one instance.</summary>
    public static readonly CsvScoreRowFormat Instance = new();

    private CsvScoreRowFormat() { }

    /// <inheritdoc/>
    public override ScoreFormat Format => ScoreFormat.Csv;

    /// <inheritdoc/>
    public override string Extension => ".csv";

    /// <inheritdoc/>
    public override string? Header => string.Join(',', Columns);

    /// <inheritdoc/>
    public override string Line(ScoreRow row) => new StringBuilder()
        .Append(CsvFields.Quote(row.Path)).Append(',')
        .Append(CsvFields.Quote(row.Group)).Append(',')
        .Append(CsvFields.Quote(row.Label ?? "")).Append(',')
        .Append(row.Probability is { } p ? Number(p) : "").Append(',')
        .Append(CsvFields.Quote(row.ModelVersion)).Append(',')
        .Append(CsvFields.Quote(row.Error ?? ""))
        .ToString();

    /// <inheritdoc/>
    public override ScoreRow Parse(string line)
    {
        var f = CsvFields.Parse(line);
        if (f.Count != Columns.Count) throw new InvalidDataException($"A score line has {f.Count} fields, not {Columns.Count}: '{line}'.");
        return new ScoreRow(f[0], f[1], f[2].Length == 0 ? null : f[2], f[3].Length == 0 ? null : ParseNumber(f[3]), f[4], f[5].Length == 0 ? null : f[5]);
    }
}
