using System.Globalization;
using System.Text;
using Malaria.Inference.IO;

namespace Malaria.Training.Robustness;

/// <summary>
/// Writes a benchmark's results: <c>robustness.csv</c> (one row per shift and severity plus the clean row),
/// <c>report.md</c> (a table per family beside the clean row, every severity's parameters, the model, data and command),
/// <c>robustness.png</c> and <c>examples.png</c>. Every file is written atomically.
/// </summary>
public static class RobustnessReport
{
    /// <summary>File names inside the output folder.</summary>
    public const string CsvFile = "robustness.csv", MarkdownFile = "report.md", ChartFile = "robustness.png", ExamplesFile = "examples.png";

    /// <summary>Writes the four files into <paramref name="folder"/> (created if missing).</summary>
    /// <param name="folder">Output folder.</param>
    /// <param name="rows">The clean row first, then every shift and severity.</param>
    /// <param name="shifts">The shifts that ran, for their descriptions.</param>
    /// <param name="info">Model, data, command, seed and time.</param>
    /// <param name="cells">The set, for its counts.</param>
    /// <param name="examples">The PNG of <see cref="ExampleSheet"/>.</param>
    public static void Write(string folder, IReadOnlyList<RobustnessRow> rows, IReadOnlyList<ImageShift> shifts, RobustnessRunInfo info, BenchmarkCells cells, byte[] examples)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(examples);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, CsvFile), ToCsv(rows));
        AtomicFile.WriteAllText(Path.Combine(folder, MarkdownFile), ToMarkdown(rows, shifts, info, cells));
        AtomicFile.WriteAllBytes(Path.Combine(folder, ChartFile), RobustnessChart.Draw(rows, shifts, info.Model));
        AtomicFile.WriteAllBytes(Path.Combine(folder, ExamplesFile), examples);
    }

    /// <summary><c>shift,severity,n,recall,specificity,accuracy,auc</c>, invariant culture.</summary>
    public static string ToCsv(IReadOnlyList<RobustnessRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder("shift,severity,n,recall,specificity,accuracy,auc\n");
        foreach (var r in rows)
            text.Append(CultureInfo.InvariantCulture, $"{r.Shift},{r.Severity},{r.Cells},{r.Metrics.Recall:F6},{r.Metrics.Specificity:F6},{r.Accuracy:F6},{r.Metrics.RocAuc:F6}\n");
        return text.ToString();
    }

    /// <summary>The report: header, clean row, one table per family, the shifts' descriptions and the pictures.</summary>
    public static string ToMarkdown(IReadOnlyList<RobustnessRow> rows, IReadOnlyList<ImageShift> shifts, RobustnessRunInfo info, BenchmarkCells cells)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(cells);
        var clean = rows.Single(r => r.Shift == RobustnessRow.Clean);
        var md = new StringBuilder();
        md.AppendLine("# Robustness under controlled shifts").AppendLine();
        md.AppendLine($"- Model: {info.Model}");
        md.AppendLine(Invariant($"- Data: {info.Data}: {cells.Count:N0} cells ({cells.Positives:N0} {cells.PositiveLabel}, {cells.Count - cells.Positives:N0} others)"));
        md.AppendLine(Invariant($"- Seed: {info.Seed} (each shifted image has its own generator seeded by seed, image, shift and severity)"));
        md.AppendLine($"- Command: `{info.Command}`");
        md.AppendLine(Invariant($"- Run time: {Duration(info.Elapsed)} ({rows.Count} scorings of the set)")).AppendLine();
        md.AppendLine($"Positive = {cells.PositiveLabel}; recall = share of {cells.PositiveLabel} cells called {cells.PositiveLabel}, specificity = share of the others called otherwise, ");
        md.AppendLine("AUC = ROC AUC of the positive probability. Severity 1 is mild, 2 middle, 3 strong; the parameters are fixed in the code ");
        md.AppendLine("(Malaria.Training/Robustness) and were written down before any run. Δ recall is in percentage points against the clean row.").AppendLine();

        md.AppendLine("## Clean").AppendLine();
        md.AppendLine("| recall | specificity | accuracy | AUC |").AppendLine("| ---: | ---: | ---: | ---: |");
        md.AppendLine($"| {Percent(clean.Metrics.Recall)} | {Percent(clean.Metrics.Specificity)} | {Percent(clean.Accuracy)} | {Auc(clean.Metrics.RocAuc)} |").AppendLine();

        foreach (var family in shifts.Select(s => s.Family).Distinct(StringComparer.Ordinal))
        {
            md.AppendLine($"## {char.ToUpperInvariant(family[0])}{family[1..]}").AppendLine();
            md.AppendLine("| shift | severity | parameters | recall | Δ recall | specificity | accuracy | AUC |");
            md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
            md.AppendLine($"| clean | 0 | | {Percent(clean.Metrics.Recall)} | | {Percent(clean.Metrics.Specificity)} | {Percent(clean.Accuracy)} | {Auc(clean.Metrics.RocAuc)} |");
            foreach (var r in rows.Where(r => r.Family == family))
                md.AppendLine($"| {r.Shift} | {r.Severity} | {r.Parameters} | {Percent(r.Metrics.Recall)} | {Points(r.Metrics.Recall - clean.Metrics.Recall)} | {Percent(r.Metrics.Specificity)} | {Percent(r.Accuracy)} | {Auc(r.Metrics.RocAuc)} |");
            md.AppendLine();
            foreach (var shift in shifts.Where(s => s.Family == family))
                md.AppendLine($"- **{shift.Name}**: {shift.Description}");
            md.AppendLine();
        }

        md.AppendLine("## Pictures").AppendLine();
        md.AppendLine($"![Recall, specificity and AUC per shift and severity]({ChartFile})").AppendLine();
        md.AppendLine($"![One cell under every shift at severity 2]({ExamplesFile})");
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Percent(double share) => (share * 100).ToString("F1", CultureInfo.InvariantCulture) + " %";

    internal static string Auc(double auc) => double.IsNaN(auc) ? "n/a" : auc.ToString("F4", CultureInfo.InvariantCulture);

    private static string Points(double difference) => (difference * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan elapsed) => elapsed.TotalMinutes >= 1
        ? Invariant($"{(int)elapsed.TotalMinutes} min {elapsed.Seconds} s")
        : Invariant($"{elapsed.TotalSeconds:F1} s");
}
