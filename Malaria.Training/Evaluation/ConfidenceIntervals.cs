namespace Malaria.Training.Evaluation;

/// <summary>A two-sided interval for one metric.</summary>
public sealed record Interval(double Low, double High);

/// <summary>
/// Percentile intervals for the headline metrics of one evaluation, and how they were drawn: which unit was resampled
/// (<c>group</c>: whole patients; <c>image</c>: single cells, when all rows come from one group), how many units there
/// were, how many resamples, at what level, from which seed.
/// </summary>
public sealed record ConfidenceIntervals(string Unit, int Units, int Resamples, double Level, int Seed,
    IReadOnlyDictionary<string, Interval> Metrics);
