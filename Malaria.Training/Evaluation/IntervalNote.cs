using System.Globalization;

namespace Malaria.Training.Evaluation;

/// <summary>
/// When a bootstrap interval says nothing, and what to show instead. Rule: no interval is shown for the whole set when
/// fewer than <see cref="MinimumPatients"/> patients were resampled (or all rows came from one patient, so cells were
/// resampled), and none for one metric whose interval is a single point (lower equals upper). Why: with a handful of
/// patients the resamples can only recombine the same few slides, so the percentiles describe those slides, not new
/// patients; and a set the model got all right gives <c>1.0000 - 1.0000</c>, which reads as certainty when it is only
/// a set too small to show an error.
/// </summary>
public static class IntervalNote
{
    /// <summary>Fewer resampled patients than this and the set gets no interval.</summary>
    public const int MinimumPatients = 5;

    /// <summary>Patients behind the intervals: the groups resampled, or one when rows (cells of one patient) were.</summary>
    public static int Patients(ConfidenceIntervals intervals)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        return intervals.Unit == "group" ? intervals.Units : 1;
    }

    /// <summary>The note for the whole set when it has too few patients for any interval; null when it has enough.</summary>
    public static string? ForSet(ConfidenceIntervals intervals) =>
        Patients(intervals) < MinimumPatients ? Text(Patients(intervals)) : null;

    /// <summary>The cell for one metric: its interval, the note when the interval is a single point, or empty when the
    /// metric has no interval (no resample had a case of its denominator).</summary>
    public static string Cell(ConfidenceIntervals intervals, string metric)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        if (!intervals.Metrics.TryGetValue(metric, out var interval)) return "";
        // Exact comparison on purpose: only a bootstrap in which every resample gave the same value is a single point.
        return interval.Low == interval.High
            ? Text(Patients(intervals))
            : string.Create(CultureInfo.InvariantCulture, $"{interval.Low:F4} - {interval.High:F4}");
    }

    private static string Text(int patients) =>
        string.Create(CultureInfo.InvariantCulture, $"not enough patients for an interval ({patients} {(patients == 1 ? "patient" : "patients")})");
}
