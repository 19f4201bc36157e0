using System.Globalization;
using System.Text;
using Malaria.Inference.IO;

namespace Malaria.Training.Evaluation;

/// <summary>Writes an <see cref="EvaluationResult"/> into a run folder: <c>metrics.json</c>, <c>report.md</c>,
/// <c>confusion-matrix.png</c> and <c>roc-curve.png</c>, each atomically.</summary>
public static class EvaluationReport
{
    /// <summary>File names written into the folder.</summary>
    public const string MetricsFile = "metrics.json", ReportFile = "report.md", ConfusionMatrixFile = "confusion-matrix.png", RocCurveFile = "roc-curve.png";

    /// <summary>Writes all four files; <paramref name="title"/> and <paramref name="details"/> head the report;
    /// <paramref name="appendix"/>, when given, is Markdown added at the end of the report; <paramref name="warning"/>,
    /// when given, is a sentence set right under the title, before anything a reader might quote.</summary>
    public static void Write(string folder, EvaluationResult result, string title, IEnumerable<(string Name, string Value)> details,
        string? appendix = null, string? warning = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, MetricsFile), result.ToJson());
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), Markdown(result, title, details, warning) + appendix);
        AtomicFile.WriteAllBytes(Path.Combine(folder, ConfusionMatrixFile), Plots.ConfusionMatrix(result));
        AtomicFile.WriteAllBytes(Path.Combine(folder, RocCurveFile), Plots.RocCurve(result));
    }

    /// <summary>The readable report; <paramref name="warning"/>, when given, stands right under the title.</summary>
    public static string Markdown(EvaluationResult r, string title, IEnumerable<(string Name, string Value)> details, string? warning = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(c, $"# {title}\n\n");
        if (warning is not null) md.Append(c, $"> **Warning:** {warning}\n\n");
        foreach (var (name, value) in details) md.Append(c, $"- {name}: {value}\n");
        md.Append(c, $"\n## Metrics on the {r.Part} part ({r.Rows:N0} images, positive = {r.PositiveLabel})\n\n");
        var setNote = r.Intervals is { } all ? IntervalNote.ForSet(all) : null;
        var intervals = setNote is null ? r.Intervals : null;
        var level = r.Intervals is null ? "" : $"{r.Intervals.Level * 100:F0} % interval";
        md.Append(c, $"| metric | value |{(intervals is null ? "" : $" {level} |")}\n| --- | ---: |{(intervals is null ? "" : " ---: |")}\n");
        foreach (var (name, key, value) in new (string, string, double)[]
        {
            ("accuracy", "accuracy", r.Accuracy), ("macro accuracy", "", r.MacroAccuracy), ("precision", "precision", r.Precision),
            ("recall (sensitivity)", "recall", r.Recall), ("specificity", "specificity", r.Specificity), ("F1", "f1", r.F1),
            ("ROC AUC", "auc", r.Auc), ("PR AUC", "", r.PrAuc), ("log-loss", "", r.LogLoss), ("log-loss reduction", "", r.LogLossReduction),
        })
        {
            md.Append(c, $"| {name} | {value:F4} |");
            if (intervals is not null)
                md.Append(c, $" {IntervalNote.Cell(intervals, key)} |");
            md.Append('\n');
        }
        foreach (var (label, loss) in r.PerClassLogLoss) md.Append(c, $"| log-loss of {label} | {loss:F4} |{(intervals is null ? "" : " |")}\n");
        if (setNote is not null) md.Append(c, $"\n{level}: {setNote}.\n");
        if (intervals is not null)
            md.Append(c, $"\n{level}s: percentile bootstrap over {intervals.Units:N0} {(intervals.Unit == "group" ? "groups (patients), each resampled whole, since one patient's cells err together" : "images")}; {intervals.Resamples:N0} resamples, seed {intervals.Seed}.\n");
        md.Append("\n## Confusion matrix (rows: true, columns: predicted)\n\n| |");
        foreach (var label in r.Labels) md.Append(c, $" {label} |");
        md.Append("\n| --- |").Append(string.Concat(r.Labels.Select(_ => " ---: |"))).Append('\n');
        for (var t = 0; t < r.Labels.Count; t++)
        {
            md.Append(c, $"| **{r.Labels[t]}** |");
            foreach (var n in r.ConfusionMatrix[t]) md.Append(c, $" {n:N0} |");
            md.Append('\n');
        }
        md.Append(c, $"\n![confusion matrix]({ConfusionMatrixFile})\n![ROC curve]({RocCurveFile})\n");
        return md.ToString();
    }
}
