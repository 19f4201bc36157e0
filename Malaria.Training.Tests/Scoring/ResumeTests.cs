using Malaria.Inference;
using Malaria.Training.Scoring;

namespace Malaria.Training.Tests.Scoring;

/// <summary>
/// A run stopped between chunks (as Ctrl+C or SIGTERM stop it) and one killed in the middle of writing a chunk (as
/// kill -9 leaves it: a temporary file) both resume to the bytes of an uninterrupted run, scoring each chunk once.
/// </summary>
public class ResumeTests
{
    [Test]
    public void AStoppedRunResumesToTheBytesOfAnUninterruptedRunScoringEachChunkOnce([Values] ScoreFormat format)
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 6);
        var input = ScoreInputReader.Read(folder.Combine("images"));
        using var classifier = MalariaClassifier.LoadDefault();
        ScoringOptions Options(string name) => new() { OutFolder = folder.Combine(name), Format = format, ChunkSize = 4 };
        var whole = BatchScoring.Run(input, classifier, Options("whole"));
        Assert.That(whole.Run.Chunks, Is.EqualTo(5), "20 images in chunks of 4");

        using var stop = new CancellationTokenSource();
        var committed = 0;
        var progress = new Progress(p => { if (p.ScoredNow > 0 && ++committed == 2) stop.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => BatchScoring.Run(input, classifier, Options("resumed"), progress, stop.Token));
        var chunks = new ChunkStore(folder.Combine("resumed"), ScoreRowFormat.For(format));
        Assert.That(Enumerable.Range(0, 5).Select(chunks.Has), Is.EqualTo(new[] { true, true, false, false, false }));
        Assert.That(File.Exists(folder.Combine("resumed", ScoreMerge.ScoresFile(format))), Is.False, "no merged output before every chunk is in");
        // What kill -9 in the middle of writing chunk 2 leaves behind.
        var leftover = Path.Combine(chunks.Folder, $".chunk-000002{ScoreRowFormat.For(format).Extension}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(leftover, "half a row");
        var firstChunk = File.GetLastWriteTimeUtc(chunks.PathOf(0));

        var resumed = BatchScoring.Run(input, classifier, Options("resumed"));

        Assert.That((resumed.ChunksResumed, resumed.ChunksScored, resumed.ImagesScored), Is.EqualTo((2, 3, 12L)), "the two committed chunks are not scored again");
        Assert.That(File.GetLastWriteTimeUtc(chunks.PathOf(0)), Is.EqualTo(firstChunk));
        Assert.That(File.Exists(leftover), Is.False, "the killed write's temporary file is cleaned up");
        var scores = ScoreMerge.ScoresFile(format);
        Assert.That(File.ReadAllBytes(folder.Combine("resumed", scores)), Is.EqualTo(File.ReadAllBytes(folder.Combine("whole", scores))));
        var keys = File.ReadAllLines(folder.Combine("resumed", scores)).Skip(format == ScoreFormat.Csv ? 1 : 0).Select(l => ScoreRowFormat.For(format).Parse(l).Path).ToList();
        Assert.That(keys, Is.EqualTo(input.Items.Select(i => i.Key)), "every image once, in order");

        var again = BatchScoring.Run(input, classifier, Options("resumed"));
        Assert.That((again.ChunksResumed, again.ChunksScored), Is.EqualTo((5, 0)), "a finished run reruns as a no-op merge");
        Assert.That(File.ReadAllBytes(folder.Combine("resumed", scores)), Is.EqualTo(File.ReadAllBytes(folder.Combine("whole", scores))));
    }

    [Test]
    public void AChunkWithTheWrongNumberOfRowsIsRefusedAtMerge()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 2);
        var input = ScoreInputReader.Read(folder.Combine("images"));
        using var classifier = MalariaClassifier.LoadDefault();
        BatchScoring.Run(input, classifier, new ScoringOptions { OutFolder = folder.Combine("run"), ChunkSize = 3 });
        var chunk = new ChunkStore(folder.Combine("run"), CsvScoreRowFormat.Instance).PathOf(1);
        File.WriteAllLines(chunk, File.ReadAllLines(chunk).Skip(1));

        var ex = Assert.Throws<InvalidDataException>(() => ScoreMerge.Run([folder.Combine("run")], folder.Combine("merged")));

        Assert.That(ex!.Message, Does.Contain(chunk).And.Contain("has 2 rows where chunk 1 has 3 images"));
    }

    private sealed class Progress(Action<ScoringProgress> report) : IProgress<ScoringProgress>
    {
        public void Report(ScoringProgress value) => report(value);
    }
}
