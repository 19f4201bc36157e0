
namespace Malaria.Training.Data;

/// <summary>
/// Deals patients into k cross-validation folds: all of a patient's cells go to one fold, and folds get about the same
/// number of cells (patients range from a few to hundreds of cells, so dealing patients round-robin would not).
/// Deterministic for a seed.
/// </summary>
public static class PatientFolds
{
    /// <summary>The fold (0..<paramref name="folds"/>-1) of every patient (<see cref="LabeledImage.Group"/>) in <paramref name="images"/>.</summary>
    public static IReadOnlyDictionary<string, int> Assign(IReadOnlyList<LabeledImage> images, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        var patients = images.GroupBy(i => i.Group, StringComparer.Ordinal)
            .Select(g => (Patient: g.Key, Cells: g.Count()))
            .OrderBy(p => p.Patient, StringComparer.Ordinal)
            .ToList();
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        if (patients.Count < folds)
            throw new ArgumentException($"{folds} folds need at least {folds} patients; the training and validation parts hold {patients.Count}.");

        // Shuffle first so equal-sized patients are dealt differently per seed, then deal the largest patient to the
        // fold with the fewest cells so far (greedy balancing).
        var random = new Random(seed);
        var order = patients.OrderBy(_ => random.Next()).OrderByDescending(p => p.Cells).ToList();
        var cells = new int[folds];
        var assignment = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (patient, count) in order)
        {
            var fold = Array.IndexOf(cells, cells.Min());
            assignment[patient] = fold;
            cells[fold] += count;
        }
        return assignment;
    }
}
