namespace Malaria.Training.Scoring;

/// <summary>
/// Where one shard of a scoring run stands: <see cref="Done"/> of its <see cref="Total"/> images (counting chunks
/// committed by earlier, interrupted runs), the speed of this process, and the time left at that speed.
/// </summary>
public readonly record struct ScoringProgress(long Done, long Total, long ScoredNow, double CellsPerSecond, TimeSpan? Remaining);
