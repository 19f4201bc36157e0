using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Torch;

namespace Malaria.Training.Pipelines;

/// <summary>
/// Calibrates a cross-validation from the folds it has finished (<c>calibrate</c>), for when not every fold ran:
/// the held-out patients of those folds are dealt into patient groups, and each group is calibrated and decided with
/// a temperature and thresholds fitted on the other groups only (<see cref="CrossFittedCalibration"/>), so the
/// reported figures stay held-out. With every fold finished and one group per fold it gives what
/// <c>crossvalidate</c> writes.
/// </summary>
internal static class FoldCalibration
{
    /// <summary>The calibration of the finished folds in <paramref name="cvFolder"/>, and what it was fitted on.</summary>
    /// <param name="groups">Patient groups to cross-fit over; 0: one per finished fold.</param>
    public static (CalibrationFile File, string Summary) Run(string cvFolder, int groups, double targetSensitivity, string defaultOperatingPoint)
    {
        var folds = TorchCrossValidation.ReadFinishedFolds(cvFolder).ToList();
        var groupCount = groups == 0 ? folds.Count : groups;
        if (groupCount < 2)
            throw new ArgumentException($"Only {folds.Count} fold is finished in '{cvFolder}': give --groups 2 or more to cross-fit over groups of its held-out patients.", nameof(groups));

        var patientOf = SplitFile.Read(Path.Combine(cvFolder, "split.csv")).ToDictionary(e => e.Image.Path, e => e.Image.Group, StringComparer.Ordinal);
        var positive = folds[0].HeldOut.Labels.ToList().IndexOf(folds[0].HeldOut.PositiveLabel);
        // One group per fold keeps crossvalidate's folds; otherwise patients are dealt in order, so groups hold
        // patients of every fold and about as many of each.
        var patients = folds.SelectMany(f => f.Patients).Distinct().Order(StringComparer.Ordinal).ToList();
        var groupOf = groups == 0
            ? folds.SelectMany(f => f.Patients.Select(p => (p, Group: folds.IndexOf(f)))).ToDictionary(x => x.p, x => x.Group)
            : patients.Select((p, i) => (p, Group: i % groupCount)).ToDictionary(x => x.p, x => x.Group);

        var cells = folds.SelectMany(f => f.Paths.Select((path, i) => (Group: groupOf[patientOf[path]], Positive: f.Labels[i] == positive, One: f.Probabilities[i], Eight: f.ViewProbabilities is { } v && i < v.Length ? v[i] : float.NaN))).ToList();
        (bool[], float[])[] Scoring(Func<(int Group, bool Positive, float One, float Eight), float> pick) =>
            [.. Enumerable.Range(0, groupCount).Select(g => cells.Where(c => c.Group == g).ToList()).Select(c => (c.Select(x => x.Positive).ToArray(), c.Select(pick).ToArray()))];
        // 8-view scores only when every fold recorded them, as crossvalidate does (folds from before 8-view scoring have none).
        var scorings = new List<ViewsCalibration> { CrossFittedCalibration.Run(1, Scoring(c => c.One), targetSensitivity) };
        if (folds.All(f => f.ViewProbabilities is { } v && v.Length == f.Labels.Length))
            scorings.Add(CrossFittedCalibration.Run(8, Scoring(c => c.Eight), targetSensitivity));
        var source = $"{(folds.Count == 1 ? "fold" : "folds")} {string.Join(", ", folds.Select(f => f.Fold))} of a patient cross-validation ({patients.Count} held-out patients, {cells.Count:N0} cells), cross-fitted over {groupCount} patient groups";
        var summary = string.Join(Environment.NewLine, scorings.Select(s => s.Summary()));
        return (CalibrationFile.From(scorings, source, defaultOperatingPoint), summary);
    }
}
