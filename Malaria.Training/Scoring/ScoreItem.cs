namespace Malaria.Training.Scoring;

/// <summary>
/// One image to score: <paramref name="Key"/> is its path as the output names it (relative to the input's folder
/// with '/' separators, or absolute when it lies outside), unique within a run and the order of the run;
/// <paramref name="Group"/> is what the summary counts it under (the patient, else its folder).
/// </summary>
public sealed record ScoreItem(string Key, string Group);
