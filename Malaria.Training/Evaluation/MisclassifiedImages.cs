using System.Globalization;
using System.Text;
using Malaria.Training.Data;

namespace Malaria.Training.Evaluation;

/// <summary>One image the model got wrong: its file, patient, true and predicted label, the positive label's
/// probability, and how confidently wrong the call was (one minus the true label's probability).</summary>
public sealed record MisclassifiedImage(string Path, string Group, string TrueLabel, string PredictedLabel, double PositiveProbability, double Error);

/// <summary>
/// The images an evaluation got wrong, most confidently wrong first. Why that order: the top of the list is where a
/// doubtful label or an unusual slide shows itself, and where a reader looking at the images learns the most.
/// </summary>
public static class MisclassifiedImages
{
    /// <summary>The file written into the evaluation folder.</summary>
    public const string CsvFile = "misclassified.csv";

    /// <summary>Rows of <paramref name="scored"/> whose predicted label is not the true one, sorted by
    /// <see cref="MisclassifiedImage.Error"/> (largest first, then by path); <paramref name="images"/> are its rows in order.</summary>
    public static IReadOnlyList<MisclassifiedImage> Find(IReadOnlyList<LabeledImage> images, ScoredSet scored, int positiveIndex)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(scored);
        if (images.Count != scored.Count) throw new ArgumentException($"{images.Count} images but {scored.Count} scored rows.", nameof(images));
        ArgumentOutOfRangeException.ThrowIfNegative(positiveIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(positiveIndex, scored.Labels.Count);
        return Enumerable.Range(0, scored.Count)
            .Where(row => scored.Predicted(row) != scored.Truth[row])
            .Select(row => new MisclassifiedImage(images[row].Path, images[row].Group, scored.Labels[scored.Truth[row]],
                scored.Labels[scored.Predicted(row)], scored.Scores[row][positiveIndex], 1.0 - scored.Scores[row][scored.Truth[row]]))
            .OrderByDescending(m => m.Error).ThenBy(m => m.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>CSV with a header; fields holding a comma, quote or line break are quoted (paths may hold any of them).</summary>
    public static string ToCsv(IReadOnlyList<MisclassifiedImage> rows, string positiveLabel)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder().Append(c, $"path,patient,trueLabel,predictedLabel,{CsvFields.Quote($"p({positiveLabel})")}\n");
        foreach (var m in rows)
            csv.Append(c, $"{CsvFields.Quote(m.Path)},{CsvFields.Quote(m.Group)},{CsvFields.Quote(m.TrueLabel)},{CsvFields.Quote(m.PredictedLabel)},{m.PositiveProbability:F4}\n");
        return csv.ToString();
    }

    /// <summary>The report section: how many images were wrong and where the list is.</summary>
    public static string ToMarkdown(IReadOnlyList<MisclassifiedImage> rows, int images)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return string.Create(CultureInfo.InvariantCulture,
            $"\n## Misclassified images\n\n{rows.Count:N0} of {images:N0} images misclassified; each with its patient, labels and probability, most confidently wrong first: `{CsvFile}`.\n");
    }
}
