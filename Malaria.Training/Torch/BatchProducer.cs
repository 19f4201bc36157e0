namespace Malaria.Training.Torch;

/// <summary>One assembled batch: raw-scale pixels [N,3,S,S] as floats, labels, and the dataset indices it holds.</summary>
internal sealed record Batch(float[] Pixels, long[] Labels, int[] Indices);

/// <summary>
/// Assembles batches (shuffle, augmentation, byte-to-float) a round of several at a time, the round's batches spread
/// over every core, between the network's steps rather than beside them. Deterministic: batch b holds the shuffled
/// order's b-th slice and draws its augmentation from its own stream (seed, epoch, b), so neither the round size nor
/// the thread timing changes a pixel.
/// </summary>
/// <remarks>
/// A producer thread running beside the steps gained nothing on 2 cores: LibTorch's OpenMP threads occupy every core,
/// and whenever the producer took one, that thread's partner waited at the next barrier. Producing an epoch's batches
/// first, on one thread, gave the same throughput as producing them beside the steps; producing them on every core
/// between steps is faster (docs/experiments/2026-12-02-channels-last-training.md).
/// </remarks>
internal static class BatchProducer
{
    /// <summary>The most float pixels' bytes a round holds (64 MB: 21 batches of 64 at 64 px, 5 at 128 px), unless every core needs one batch more.</summary>
    public const long RoundBytes = 64L << 20;

    public static IEnumerable<Batch> Batches(DecodedImageSet set, IReadOnlyList<int> indices, int batchSize, bool shuffle,
        Augmentation augmentation, int seed, int epoch, bool dropLast, CancellationToken cancellationToken = default, int? workers = null)
    {
        var order = indices.ToArray();
        if (shuffle) new Random(Seeds.Mix(seed, epoch, -1)).Shuffle(order);
        var batchCount = dropLast ? order.Length / batchSize : (order.Length + batchSize - 1) / batchSize;
        if (batchCount == 0) yield break;

        // Neighbouring cells for the domain augmentation come from the same images being trained on, never held-out ones.
        Func<Random, ReadOnlyMemory<byte>>? neighbour = augmentation.Domain is null ? null
            : r => set.Pixels.AsMemory(order[r.Next(order.Length)] * set.ImageBytes, set.ImageBytes);

        Batch Assemble(int b)
        {
            var start = b * batchSize;
            var count = Math.Min(batchSize, order.Length - start);
            var batch = new Batch(new float[count * set.ImageBytes], new long[count], order[start..(start + count)]);
            var random = new Random(Seeds.Mix(seed, epoch, b));
            for (var i = 0; i < count; i++)
            {
                var index = batch.Indices[i];
                augmentation.Apply(set.Pixels.AsSpan(index * set.ImageBytes, set.ImageBytes), batch.Pixels.AsSpan(i * set.ImageBytes, set.ImageBytes), set.Size, random, neighbour);
                batch.Labels[i] = set.Labels[index];
            }
            return batch;
        }

        var parallelism = Math.Max(1, workers ?? Environment.ProcessorCount);
        var batchBytes = (long)batchSize * set.ImageBytes * sizeof(float);
        var roundSize = (int)Math.Min(batchCount, Math.Max(parallelism, RoundBytes / batchBytes));
        var round = new Batch[roundSize];
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        for (var first = 0; first < batchCount; first += roundSize)
        {
            var count = Math.Min(roundSize, batchCount - first);
            Parallel.For(0, count, options, k => round[k] = Assemble(first + k));
            for (var k = 0; k < count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return round[k];
                round[k] = null!; // let a used batch go before the next round is assembled
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
