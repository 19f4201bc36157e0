namespace Malaria.Training.Evaluation;

/// <summary>
/// Is one model better than another on the same cells, beyond the luck of which patients were drawn? Resamples whole
/// patients, as <see cref="PatientBootstrap"/> does, and recomputes the difference in accuracy on each draw. Paired: both
/// models are scored on the same resampled cells, so the patients' difficulty, which both share, cancels, and only
/// the cells they disagree on move the difference. A difference of a dozen cells in ten thousand can be real when the
/// disagreements favour the candidate in most patients, or luck when two patients carry it; the interval tells which.
/// </summary>
public static class PairedPatientBootstrap
{
    /// <summary>Compares per-cell correctness; <paramref name="groups"/> names each cell's patient (null: cells resampled).</summary>
    public static PairedDifference Compare(IReadOnlyList<bool> baselineCorrect, IReadOnlyList<bool> candidateCorrect,
        IReadOnlyList<string>? groups, int resamples = PatientBootstrap.DefaultResamples, int seed = PatientBootstrap.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(baselineCorrect);
        ArgumentNullException.ThrowIfNull(candidateCorrect);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var cells = baselineCorrect.Count;
        if (candidateCorrect.Count != cells) throw new ArgumentException($"{cells} baseline cells but {candidateCorrect.Count} candidate cells.", nameof(candidateCorrect));
        if (groups is not null && groups.Count != cells) throw new ArgumentException($"{groups.Count} group names for {cells} cells.", nameof(groups));
        if (cells == 0) throw new ArgumentException("No cells to compare.", nameof(baselineCorrect));

        var (units, unit) = PatientBootstrap.Units(cells, groups);
        // Each unit reduces to its size and its net difference in correct cells.
        var size = units.Select(u => u.Length).ToArray();
        var net = units.Select(u => u.Sum(row => (candidateCorrect[row] ? 1 : 0) - (baselineCorrect[row] ? 1 : 0))).ToArray();

        var random = new Random(seed);
        var differences = new List<double>(resamples);
        var ahead = 0;
        for (var r = 0; r < resamples; r++)
        {
            long drawnCells = 0, drawnNet = 0;
            for (var u = 0; u < units.Count; u++)
            {
                var pick = random.Next(units.Count);
                drawnCells += size[pick];
                drawnNet += net[pick];
            }
            differences.Add((double)drawnNet / drawnCells);
            if (drawnNet > 0) ahead++;
        }
        int onlyBaseline = 0, onlyCandidate = 0;
        for (var i = 0; i < cells; i++)
        {
            if (baselineCorrect[i] && !candidateCorrect[i]) onlyBaseline++;
            if (candidateCorrect[i] && !baselineCorrect[i]) onlyCandidate++;
        }
        return new PairedDifference(cells, unit, units.Count, baselineCorrect.Count(c => c), candidateCorrect.Count(c => c),
            onlyBaseline, onlyCandidate, PatientBootstrap.PercentileInterval(differences), (double)ahead / resamples,
            resamples, PatientBootstrap.Level, seed);
    }
}
