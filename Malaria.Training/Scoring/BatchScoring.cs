using System.Diagnostics;

namespace Malaria.Training.Scoring;

/// <summary>
/// Scores a <see cref="ScoreInput"/> into a run folder, resumably: the images, in their fixed order, are cut into
/// chunks; this process scores the chunks of its shard that are not on disk yet and commits each atomically; a rerun
/// after any interruption (Ctrl+C, SIGTERM, kill -9, a lost node) continues where it stopped and the result is the
/// same bytes. When every chunk of the run is on disk, whichever process sees it first writes the merged scores and
/// the summary (<see cref="ScoreMerge"/>). Memory stays bounded by one chunk of rows.
/// </summary>
public static class BatchScoring
{
    /// <summary>Runs (or resumes) the shard; stops between chunks when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="InvalidOperationException">The run folder holds another run.</exception>
    public static ScoringOutcome Run(ScoreInput input, Inference.IMalariaClassifier classifier, ScoringOptions options,
        IProgress<ScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var positiveLabel = classifier.Model.Card.PositiveLabel;
        var run = ScoreRun.Describe(input, options.ChunkSize, options.Format, classifier.Version, positiveLabel, classifier.Model.ScoredViews);
        var folder = Path.GetFullPath(options.OutFolder);
        if (File.Exists(folder)) throw new IOException($"The output folder '{folder}' is a file.");
        Directory.CreateDirectory(folder);
        var recorded = ScoreRun.Read(folder);
        if (recorded is null) run.Write(folder);
        else if (recorded.Fingerprint != run.Fingerprint)
            throw new InvalidOperationException($"'{folder}' holds another run (its input, order, chunk size, format, model or views differ: fingerprint {recorded.Fingerprint[..12]}, "
                + $"this run {run.Fingerprint[..12]}); give a new --out folder, or delete that one to start over.");

        var store = new ChunkStore(folder, ScoreRowFormat.For(options.Format));
        store.DeleteLeftovers(options.Shard);
        var mine = Enumerable.Range(0, run.Chunks).Where(options.Shard.Owns).ToList();
        var total = mine.Sum(c => (long)run.ChunkLength(c));
        var pending = mine.Where(c => !store.Has(c)).ToList();
        var done = total - pending.Sum(c => (long)run.ChunkLength(c));
        var scorer = new ChunkScorer(classifier, input, positiveLabel);
        var clock = Stopwatch.StartNew();
        long scoredNow = 0;
        var scoredChunks = 0;
        progress?.Report(Progress(done, total, scoredNow, clock.Elapsed));
        foreach (var chunk in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = chunk * run.ChunkSize;
            var items = Slice(input.Items, start, run.ChunkLength(chunk));
            store.Commit(chunk, scorer.Score(items));
            scoredChunks++;
            scoredNow += items.Length;
            done += items.Length;
            progress?.Report(Progress(done, total, scoredNow, clock.Elapsed));
        }

        var missing = ScoreMerge.MissingChunks(run, [folder]).Count;
        if (missing > 0) return new ScoringOutcome(run, mine.Count, mine.Count - pending.Count, scoredChunks, scoredNow, missing, null, null);
        var summary = ScoreMerge.Run([folder], folder);
        return new ScoringOutcome(run, mine.Count, mine.Count - pending.Count, scoredChunks, scoredNow, 0,
            Path.Combine(folder, ScoreMerge.ScoresFile(options.Format)), summary);
    }

    private static ScoringProgress Progress(long done, long total, long scoredNow, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? scoredNow / elapsed.TotalSeconds : 0;
        TimeSpan? remaining = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : null;
        return new ScoringProgress(done, total, scoredNow, rate, remaining);
    }

    private static ScoreItem[] Slice(IReadOnlyList<ScoreItem> items, int start, int count)
    {
        var slice = new ScoreItem[count];
        for (var i = 0; i < count; i++) slice[i] = items[start + i];
        return slice;
    }
}
