using System.Globalization;
using System.Text;
using Malaria.Training.Data;

namespace Malaria.Training.Scoring;

/// <summary>
/// Counts per group (patient, else slide folder) as rows stream past: cells, scored, parasitized, errors, and the
/// infected fraction (parasitized / scored). Holds one counter per group, never the rows.
/// </summary>
public sealed class GroupSummary(string positiveLabel)
{
    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "summary.csv";

    private readonly SortedDictionary<string, GroupCounts> groups = new(StringComparer.Ordinal);

    /// <summary>The counts so far, by group in ordinal order.</summary>
    public IReadOnlyDictionary<string, GroupCounts> Groups => groups;

    /// <summary>All groups together.</summary>
    public GroupCounts Total => groups.Values.Aggregate(new GroupCounts(), (sum, g) => sum.Plus(g));

    /// <summary>Counts one row.</summary>
    public void Add(ScoreRow row)
    {
        if (!groups.TryGetValue(row.Group, out var counts)) groups[row.Group] = counts = new GroupCounts();
        counts.Cells++;
        if (!row.Scored) counts.Errors++;
        else if (string.Equals(row.Label, positiveLabel, StringComparison.Ordinal)) counts.Parasitized++;
    }

    /// <summary>The summary as CSV: group,cells,scored,parasitized,infected_fraction,errors.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder("group,cells,scored,parasitized,infected_fraction,errors\n");
        foreach (var (group, c) in groups)
            text.Append(CultureInfo.InvariantCulture,
                $"{CsvFields.Quote(group)},{c.Cells},{c.Scored},{c.Parasitized},{(c.Scored == 0 ? "" : c.InfectedFraction.ToString("F4", CultureInfo.InvariantCulture))},{c.Errors}\n");
        return text.ToString();
    }
}

/// <summary>The counts of one group.</summary>
public sealed class GroupCounts
{
    /// <summary>Rows (images) of the group.</summary>
    public long Cells { get; set; }

    /// <summary>Images that could not be read.</summary>
    public long Errors { get; set; }

    /// <summary>Images called the positive label (Parasitized).</summary>
    public long Parasitized { get; set; }

    /// <summary>Images scored.</summary>
    public long Scored => Cells - Errors;

    /// <summary>Parasitized / scored (0 when none was scored).</summary>
    public double InfectedFraction => Scored == 0 ? 0 : (double)Parasitized / Scored;

    internal GroupCounts Plus(GroupCounts other) => new() { Cells = Cells + other.Cells, Errors = Errors + other.Errors, Parasitized = Parasitized + other.Parasitized };
}
