using Malaria.Inference.Batching;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Batching;

/// <summary>
/// <c>ClassifyBatch(paths)</c> decodes on several threads ahead of the model: results keep the input order, the error
/// is the first bad file's in input order, and the decoded pixels held stay within the budget.
/// </summary>
public sealed class PipelinedBatchTests
{
    [TestCase(1)]
    [TestCase(3)]
    public void Results_keep_the_input_order_with_more_files_than_threads_and_runs(int scoringThreads)
    {
        using var folder = new TempFolder();
        var paths = Enumerable.Range(0, 37)
            .Select(i => folder.Write($"cell{i:00}.png", TestImages.Png(i % 3 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, 40 + i % 7 * 9, 36 + i % 5 * 11, seed: i)))
            .ToList();
        using var classifier = MalariaClassifier.LoadDefault(new MalariaClassifierOptions { BatchSize = 4, DecodeThreads = 3, ScoringThreads = scoringThreads });

        var batch = classifier.ClassifyBatch(paths);

        Assert.That(batch.Select(p => p.ScoreVector.ToArray()), Is.EqualTo(paths.Select(p => classifier.Classify(p).ScoreVector.ToArray())));
        Assert.That(batch.Select(p => p.InputWarnings), Is.EqualTo(paths.Select(p => classifier.Classify(p).InputWarnings)));
    }

    [Test]
    public void The_error_is_the_first_bad_file_in_input_order_and_the_classifier_keeps_serving()
    {
        using var folder = new TempFolder();
        var good = TestImages.Png(TestImages.Tint.Red, 50, 50, seed: 1);
        var paths = Enumerable.Range(0, 30).Select(i => folder.Write($"cell{i:00}.png", good)).ToList();
        paths[11] = folder.Write("first-bad.png", TestImages.PngWithScrambledPixelData());
        paths[12] = folder.Write("second-bad.png", [1, 2, 3, 4]);
        paths[25] = folder.Combine("missing.png");
        using var classifier = MalariaClassifier.LoadDefault(new MalariaClassifierOptions { BatchSize = 4, DecodeThreads = 4 });

        // Decoding races: the answer must not depend on which thread finishes first.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var error = Assert.Throws<InvalidImageException>(() => classifier.ClassifyBatch(paths));
            Assert.That(error!.Message, Does.Contain("first-bad.png"));
        }
        paths[11] = paths[12] = paths[0];
        Assert.Throws<FileNotFoundException>(() => classifier.ClassifyBatch(paths));
        paths[25] = paths[0];
        Assert.That(classifier.ClassifyBatch(paths), Has.Count.EqualTo(30), "the classifier serves after failed batches");
        Assert.That(() => classifier.ClassifyBatch([paths[0], null!]), Throws.ArgumentException.With.Message.Contains("Path 1"));
    }

    [Test]
    public void A_failing_enumeration_fails_the_call_with_its_own_exception()
    {
        using var folder = new TempFolder();
        var path = folder.Write("cell.png", TestImages.Png(TestImages.Tint.Red, 50, 50, seed: 1));
        IEnumerable<string> Paths()
        {
            yield return path;
            yield return path;
            throw new InvalidOperationException("the listing failed");
        }
        using var classifier = MalariaClassifier.LoadDefault();
        Assert.That(() => classifier.ClassifyBatch(Paths()), Throws.InvalidOperationException.With.Message.EqualTo("the listing failed"));
    }

    [Test]
    public void The_decoded_pixels_held_never_pass_the_budget_and_every_image_is_released()
    {
        using var folder = new TempFolder();
        var paths = Enumerable.Range(0, 40).Select(i => folder.Write($"cell{i:00}.png", TestImages.Png(TestImages.Tint.Blue, 100, 100, seed: i))).ToList();
        var cost = DecodedMemoryBudget.CostOf(100, 100);
        var limits = new ImageLimits { MaxBatchDecodedBytes = 3 * cost };
        var tracker = new Tracker();
        var order = new List<string>();

        using (var pipeline = new DecodePipeline<Tracked>(paths, (path, _, header) => tracker.Decode(path, DecodedMemoryBudget.CostOf(header)), limits, window: 16, workers: 4))
        {
            var held = new List<(Tracked Item, long Cost)>();
            void Score()
            {
                foreach (var (item, _) in held) item.Dispose();
                pipeline.Release(held.Sum(h => h.Cost), held.Count);
                held.Clear();
            }
            while (true)
            {
                var state = pipeline.Next(held.Count > 0, out var item, out var bytes);
                if (state == DecodePipeline<Tracked>.State.End) break;
                if (state == DecodePipeline<Tracked>.State.ReleaseFirst) { Score(); continue; }
                order.Add(item!.Path);
                held.Add((item, bytes));
                // Holds up to 8 (more than the budget allows) before scoring: the pipeline must make it release.
                if (held.Count == 8) Score();
            }
            Score();
        }

        Assert.That(order, Is.EqualTo(paths));
        Assert.That(tracker.MaxLiveBytes, Is.LessThanOrEqualTo(limits.MaxBatchDecodedBytes));
        Assert.That(tracker.LiveBytes, Is.Zero, "every decoded image disposed");
    }

    [Test]
    public void Stopping_early_disposes_the_images_decoded_ahead()
    {
        using var folder = new TempFolder();
        var paths = Enumerable.Range(0, 20).Select(i => folder.Write($"cell{i:00}.png", TestImages.Png(TestImages.Tint.Red, 30, 30, seed: i))).ToList();
        var tracker = new Tracker();
        using (var pipeline = new DecodePipeline<Tracked>(paths, (path, _, header) => tracker.Decode(path, DecodedMemoryBudget.CostOf(header)), ImageLimits.Default, window: 8, workers: 3))
        {
            Assert.That(pipeline.Next(false, out var first, out _), Is.EqualTo(DecodePipeline<Tracked>.State.Ready));
            first!.Dispose();
            SpinWait.SpinUntil(() => tracker.Decoded >= 5, TimeSpan.FromSeconds(10));
        }
        Assert.That(tracker.LiveBytes, Is.Zero);
        Assert.That(tracker.Decoded, Is.LessThanOrEqualTo(1 + 8), "no more than the window is read ahead");
    }

    private sealed class Tracker
    {
        private long _live;
        private long _max;
        private int _decoded;

        public long LiveBytes => Interlocked.Read(ref _live);

        public long MaxLiveBytes => Interlocked.Read(ref _max);

        public int Decoded => Volatile.Read(ref _decoded);

        public Tracked Decode(string path, long cost)
        {
            Interlocked.Increment(ref _decoded);
            var live = Interlocked.Add(ref _live, cost);
            long max;
            while (live > (max = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, live, max) != max) { }
            return new Tracked(path, () => Interlocked.Add(ref _live, -cost));
        }
    }

    private sealed class Tracked(string path, Action release) : IDisposable
    {
        private int _disposed;

        public string Path { get; } = path;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) release();
        }
    }
}
