namespace Malaria.Training.Scoring;

/// <summary>Settings of a <see cref="BatchScoring"/> run.</summary>
public sealed class ScoringOptions
{
    /// <summary>The run folder: run.json, chunks/, and at the end the merged scores and summary.csv.</summary>
    public required string OutFolder { get; init; }

    /// <summary>The output format. Default: CSV.</summary>
    public ScoreFormat Format { get; init; } = ScoreFormat.Csv;

    /// <summary>Images per committed chunk: what an interruption can lose, and the unit shards share out. Default: 1000.</summary>
    public int ChunkSize { get; init; } = DefaultChunkSize;

    /// <summary>The part of the run this process scores. Default: all of it.</summary>
    public Shard Shard { get; init; } = Shard.All;

    /// <summary>The default <see cref="ChunkSize"/>.</summary>
    public const int DefaultChunkSize = 1000;
}
