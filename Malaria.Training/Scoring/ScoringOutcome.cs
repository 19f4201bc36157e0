namespace Malaria.Training.Scoring;

/// <summary>
/// What a <see cref="BatchScoring"/> run did: chunks of its shard found already committed and chunks it scored, and,
/// when every chunk of the run was on disk at its end, the merged output and the summary.
/// </summary>
public sealed record ScoringOutcome(ScoreRun Run, int ChunksOfShard, int ChunksResumed, int ChunksScored, long ImagesScored, int MissingChunks,
    string? ScoresPath, GroupSummary? Summary);
