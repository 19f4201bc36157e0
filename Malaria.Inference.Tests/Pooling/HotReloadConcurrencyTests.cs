using System.Collections.Concurrent;
using System.Diagnostics;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Inference.Pooling;

namespace Malaria.Inference.Tests.Pooling;

/// <summary>
/// 16 threads x 2,000 predictions while the watched model file is replaced 20 times, alternating two models that
/// give opposite answers: no call fails, every result is exactly one model's output for the version it reports,
/// and every call made after the last swap is served by the last model. Callers are paced to the swaps so that
/// predictions really do overlap every reload.
/// </summary>
public sealed class HotReloadConcurrencyTests
{
    private const int Threads = 16;
    private const int PredictionsPerThread = 2_000;
    private const int Swaps = 20;

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void Predictions_during_20_file_swaps_each_come_from_one_whole_model(string extension)
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false, extension);
        byte[] ModelBytes(bool flipped) => extension == ".zip" ? TestModels.Zip(flipped) : TestModels.Onnx(flipped);

        // The exact output of each model for the probe image, by model version.
        var expected = new Dictionary<string, float[]>();
        foreach (var flipped in new[] { false, true })
        {
            using var reference = MalariaClassifier.Load(TestModels.Write(folder.Combine(flipped ? "b" : "a"), flipped, extension));
            using var probe = TestImages.Decoded(TestImages.Tint.Red, seed: 9);
            expected[reference.Version] = reference.Classify(probe).ScoreVector.ToArray();
        }
        Assert.That(expected.Values.Select(v => v[0] > 0.5f), Is.EquivalentTo(new[] { true, false }), "the two models must disagree");

        var options = new MalariaClassifierOptions { MaxEnginesPerModel = 4, ReloadDebounce = TimeSpan.FromMilliseconds(40), ReloadRetryDelay = TimeSpan.FromMilliseconds(20) };
        using var pool = new MalariaPredictionEnginePool(options).FromFile("cells", path, watchForChanges: true);
        var classifier = pool.GetClassifier("cells");
        var generations = new ConcurrentQueue<ModelGeneration>();
        generations.Enqueue(classifier.CurrentGeneration);
        using var reloaded = new SemaphoreSlim(0);
        pool.Reloaded += (_, _) => reloaded.Release();

        var swapsDone = 0;
        var errors = new ConcurrentQueue<Exception>();
        var wrongResults = new ConcurrentQueue<string>();
        var afterLastSwap = 0;
        var lastVersion = "";
        var perVersion = new ConcurrentDictionary<string, int>();
        var stopwatch = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            using var probe = TestImages.Decoded(TestImages.Tint.Red, seed: 9);
            for (var k = 0; k < PredictionsPerThread; k++)
            {
                // Spread the calls over the swaps: call k waits for swap k * 21 / 2000 (the last ~95 after all 20).
                var due = Math.Min(Swaps, k * (Swaps + 1) / PredictionsPerThread);
                while (Volatile.Read(ref swapsDone) < due) Thread.Sleep(1);
                var swapsBefore = Volatile.Read(ref swapsDone);
                try
                {
                    var result = pool.Classify("cells", probe);
                    perVersion.AddOrUpdate(result.ModelVersion, 1, (_, n) => n + 1);
                    if (!expected.TryGetValue(result.ModelVersion, out var scores) || !result.ScoreVector.SequenceEqual(scores))
                        wrongResults.Enqueue($"version {result.ModelVersion[..12]} scores [{string.Join(", ", result.ScoreVector)}]");
                    if (swapsBefore == Swaps)
                    {
                        Interlocked.Increment(ref afterLastSwap);
                        if (result.ModelVersion != Volatile.Read(ref lastVersion)) wrongResults.Enqueue($"after the last swap: {result.ModelVersion[..12]}");
                    }
                }
                catch (Exception ex) { errors.Enqueue(ex); }
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());

        for (var swap = 1; swap <= Swaps; swap++)
        {
            var bytes = ModelBytes(flipped: swap % 2 == 1);
            var version = TestModels.VersionOf(bytes);
            AtomicFile.WriteAllBytes(path, bytes);
            var deadline = Stopwatch.StartNew();
            while (classifier.Version != version)
            {
                Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), $"swap {swap} was not picked up");
                reloaded.Wait(TimeSpan.FromMilliseconds(50));
            }
            generations.Enqueue(classifier.CurrentGeneration);
            Volatile.Write(ref lastVersion, version);
            Interlocked.Increment(ref swapsDone);
        }
        workers.ForEach(w => Assert.That(w.Join(TimeSpan.FromSeconds(60)), Is.True, "a worker hung"));
        stopwatch.Stop();

        TestContext.Out.WriteLine($"{Threads * PredictionsPerThread} predictions, {Swaps} swaps in {stopwatch.Elapsed.TotalSeconds:F1} s; " +
            $"per version: {string.Join(", ", perVersion.Select(p => $"{p.Key[..12]}={p.Value}"))}; after last swap: {afterLastSwap}");
        Assert.That(errors, Is.Empty, () => string.Join("\n", errors.Take(3)));
        Assert.That(wrongResults, Is.Empty, () => string.Join("\n", wrongResults.Take(5)));
        Assert.That(perVersion.Values.Sum(), Is.EqualTo(Threads * PredictionsPerThread));
        Assert.That(perVersion.Keys, Is.EquivalentTo(expected.Keys), "both models served during the run");
        Assert.That(afterLastSwap, Is.GreaterThan(Threads * 50), "calls were made after the last swap");
        Assert.That(classifier.Version, Is.EqualTo(lastVersion));

        // Every replaced generation was disposed with all its engines once its callers finished.
        var all = generations.ToArray();
        Assert.That(all, Has.Length.EqualTo(Swaps + 1));
        foreach (var old in all[..^1])
        {
            Assert.That(old.IsDisposed, Is.True, $"generation {old.Info.Version[..12]} still alive");
            Assert.That(old.LiveEngines, Is.Zero);
        }
    }
}
