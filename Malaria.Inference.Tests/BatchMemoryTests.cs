using Malaria.Inference;

namespace Malaria.Inference.Tests;

/// <summary>
/// <c>ClassifyBatch(paths)</c> scores early when the decoded pixels of a batch would pass
/// <c>ImageLimits.MaxBatchDecodedBytes</c>: the results are the same, in the same order, as with room for all.
/// </summary>
public sealed class BatchMemoryTests
{
    [TestCase(1)]
    [TestCase(3)]
    public void A_tight_decoded_memory_budget_splits_the_batch_without_changing_results(int scoringThreads)
    {
        using var folder = new TempFolder();
        var paths = Enumerable.Range(0, 23)
            .Select(i => folder.Write($"cell{i}.png", TestImages.Png(i % 2 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, 60 + 10 * i, 50 + 10 * i, seed: i)))
            .ToList();
        using var roomy = MalariaClassifier.LoadDefault();
        var tight = new MalariaClassifierOptions { ScoringThreads = scoringThreads };
        // Room for about two of these images at a time: the 23 are scored in many runs, several
        // of them in flight at once with more than one scoring thread.
        tight.ImageLimits.MaxBatchDecodedBytes = 2 * 100 * 100 * 4;
        using var bounded = MalariaClassifier.LoadDefault(tight);

        var expected = roomy.ClassifyBatch(paths);
        var actual = bounded.ClassifyBatch(paths);
        Assert.That(actual.Select(p => p.ScoreVector.ToArray()), Is.EqualTo(expected.Select(p => p.ScoreVector.ToArray())));
        Assert.That(actual.Select(p => p.ScoreVector.ToArray()), Is.EqualTo(paths.Select(p => roomy.Classify(p).ScoreVector.ToArray())), "and each equals its single prediction");
    }
}
