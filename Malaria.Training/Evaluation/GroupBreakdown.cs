using System.Globalization;
using System.Text;
using Malaria.Training.Data;

namespace Malaria.Training.Evaluation;

/// <summary>One group's (patient's) share of an evaluation.</summary>
public sealed record GroupScore(string Group, int Images, int Correct, int Positives, int TruePositives)
{
    public double Accuracy => Images == 0 ? 0 : (double)Correct / Images;

    /// <summary>Recall of the positive label within the group; null when the group has no positive image.</summary>
    public double? Recall => Positives == 0 ? null : (double)TruePositives / Positives;
}

/// <summary>
/// Accuracy and recall per group (patient). Why: a split by patient means the test part is a handful of patients, and a
/// headline accuracy can hide that the errors sit in one or two of them (a slide with unusual staining, or doubtful labels).
/// </summary>
public static class GroupBreakdown
{
    public const string CsvFile = "per-group.csv";

    /// <summary>Groups in ascending accuracy (worst first); <paramref name="images"/> are the rows of <paramref name="scored"/> in order.</summary>
    public static IReadOnlyList<GroupScore> Compute(IReadOnlyList<LabeledImage> images, ScoredSet scored, int positiveIndex)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(scored);
        if (images.Count != scored.Count) throw new ArgumentException($"{images.Count} images but {scored.Count} scored rows.", nameof(images));
        return images.Select((image, row) => (image.Group, Truth: scored.Truth[row], Predicted: scored.Predicted(row)))
            .GroupBy(r => r.Group, StringComparer.Ordinal)
            .Select(g => new GroupScore(g.Key, g.Count(), g.Count(r => r.Truth == r.Predicted),
                g.Count(r => r.Truth == positiveIndex), g.Count(r => r.Truth == positiveIndex && r.Predicted == positiveIndex)))
            .OrderBy(s => s.Accuracy).ThenBy(s => s.Group, StringComparer.Ordinal)
            .ToList();
    }

    public static string ToCsv(IReadOnlyList<GroupScore> groups)
    {
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("group,images,correct,accuracy,positives,truePositives,recall\n");
        foreach (var g in groups)
            csv.Append(c, $"{g.Group},{g.Images},{g.Correct},{g.Accuracy:F4},{g.Positives},{g.TruePositives},{(g.Recall is { } r ? r.ToString("F4", c) : "")}\n");
        return csv.ToString();
    }

    /// <summary>A report section: the spread over groups and the worst <paramref name="worst"/> of them.</summary>
    public static string ToMarkdown(IReadOnlyList<GroupScore> groups, string positiveLabel, int worst = 5)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var errors = groups.Sum(g => g.Images - g.Correct);
        var shown = groups.Take(worst).ToList();
        md.Append(c, $"\n## Per group (patient): {groups.Count} groups, accuracy from {groups[0].Accuracy:P1} to {groups[^1].Accuracy:P1}\n\n");
        md.Append(c, $"The {shown.Count} worst hold {shown.Sum(g => g.Images - g.Correct):N0} of the {errors:N0} errors. All groups: `{CsvFile}`.\n\n");
        md.Append(c, $"| group | images | accuracy | {positiveLabel} images | recall |\n| --- | ---: | ---: | ---: | ---: |\n");
        foreach (var g in shown)
            md.Append(c, $"| {g.Group} | {g.Images:N0} | {g.Accuracy:P1} | {g.Positives:N0} | {(g.Recall is { } r ? r.ToString("P1", c) : "-")} |\n");
        return md.ToString();
    }
}
