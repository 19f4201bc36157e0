namespace Malaria.Training.Evaluation;

/// <summary>
/// Two models scored on the same cells: how many each got right, the cells only one of them got right, and the
/// <see cref="PairedPatientBootstrap"/> interval of the candidate's accuracy minus the baseline's.
/// </summary>
/// <param name="Cells">Cells both models scored.</param>
/// <param name="Unit"><c>group</c> (whole patients resampled) or <c>image</c>.</param>
/// <param name="Units">Patients (or cells) resampled.</param>
/// <param name="BaselineCorrect">Cells the baseline got right.</param>
/// <param name="CandidateCorrect">Cells the candidate got right.</param>
/// <param name="OnlyBaselineRight">Cells the baseline got right and the candidate wrong.</param>
/// <param name="OnlyCandidateRight">Cells the candidate got right and the baseline wrong.</param>
/// <param name="AccuracyDifference">Interval of candidate minus baseline accuracy, at <paramref name="Level"/>.</param>
/// <param name="ShareCandidateAhead">Share of resamples in which the candidate got more cells right.</param>
public sealed record PairedDifference(int Cells, string Unit, int Units, int BaselineCorrect, int CandidateCorrect,
    int OnlyBaselineRight, int OnlyCandidateRight, Interval AccuracyDifference, double ShareCandidateAhead,
    int Resamples, double Level, int Seed)
{
    /// <summary>Candidate minus baseline, in cells.</summary>
    public int Difference => CandidateCorrect - BaselineCorrect;
}
