using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Malaria.Training.Data;

namespace Malaria.Training.Evaluation;

/// <summary>How many of an evaluation's patients and cells the model was trained on.</summary>
public sealed record PatientOverlap(int Patients, int EvaluatedPatients, int Cells, int EvaluatedCells)
{
    /// <summary>The sentence printed and written at the top of the report.</summary>
    public string Warning => string.Create(CultureInfo.InvariantCulture,
        $"{Patients} of the {EvaluatedPatients} evaluated patients ({Cells:N0} of {EvaluatedCells:N0} cells) were among the model's training patients; the metrics are optimistic, not what new patients would see.");
}

/// <summary>
/// The patient groups a model was trained on, as recorded on its card (<c>trainingGroups</c>, a comma-separated list
/// sorted ordinally, and <c>trainingGroupsSha256</c> of that list), and their overlap with an evaluated set. Why: a split
/// by patient is the only honest test; evaluating on a folder or split that shares patients with training measures
/// memory of those slides, and nothing in the numbers shows it. Only the fitted (train) part is recorded: validation
/// patients chose an epoch or a setting but the weights never saw their cells, and scoring them is the tuning workflow.
/// </summary>
public static class TrainingGroups
{
    /// <summary>Card property names.</summary>
    public const string GroupsProperty = "trainingGroups", Sha256Property = "trainingGroupsSha256";

    /// <summary>Writes the distinct <paramref name="groups"/> into <paramref name="properties"/>.</summary>
    public static void Record(IDictionary<string, string> properties, IEnumerable<string> groups)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(groups);
        var list = string.Join(',', groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        properties[GroupsProperty] = list;
        properties[Sha256Property] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(list)));
    }

    /// <summary>The recorded groups; null when the card has none (models trained before they were recorded).</summary>
    public static IReadOnlySet<string>? Read(IDictionary<string, string>? properties) =>
        properties is not null && properties.TryGetValue(GroupsProperty, out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : null;

    /// <summary>The overlap of <paramref name="images"/> with <paramref name="trained"/>; null when there is none.</summary>
    public static PatientOverlap? Overlap(IReadOnlyList<LabeledImage> images, IReadOnlySet<string> trained)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(trained);
        var shared = images.Where(i => trained.Contains(i.Group)).ToList();
        return shared.Count == 0 ? null
            : new PatientOverlap(shared.Select(i => i.Group).Distinct(StringComparer.Ordinal).Count(),
                images.Select(i => i.Group).Distinct(StringComparer.Ordinal).Count(), shared.Count, images.Count);
    }
}
