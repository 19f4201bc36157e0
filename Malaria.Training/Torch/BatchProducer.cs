using System.Collections.Concurrent;

namespace Malaria.Training.Torch;

/// <summary>One assembled batch: raw-scale pixels [N,3,S,S] as floats, labels, and the dataset indices it holds.</summary>
internal sealed record Batch(float[] Pixels, long[] Labels, int[] Indices);

/// <summary>
/// Assembles batches (shuffle, augmentation, byte-to-float) on a background thread, a few batches ahead of the model,
/// so the network's threads never wait for data. Deterministic: the order and every augmentation depend only on the
/// seed and the epoch, whatever the thread timing.
/// </summary>
internal static class BatchProducer
{
    public static IEnumerable<Batch> Batches(DecodedImageSet set, IReadOnlyList<int> indices, int batchSize, bool shuffle,
        Augmentation augmentation, int seed, int epoch, bool dropLast, CancellationToken cancellationToken = default)
    {
        var order = indices.ToArray();
        if (shuffle) new Random(Seeds.Mix(seed, epoch, -1)).Shuffle(order);
        var batchCount = dropLast ? order.Length / batchSize : (order.Length + batchSize - 1) / batchSize;
        if (batchCount == 0) yield break;

        // Neighbouring cells for the domain augmentation come from the same images being trained on, never held-out ones.
        Func<Random, ReadOnlyMemory<byte>>? neighbour = augmentation.Domain is null ? null
            : r => set.Pixels.AsMemory(order[r.Next(order.Length)] * set.ImageBytes, set.ImageBytes);

        using var queue = new BlockingCollection<Batch>(boundedCapacity: 4);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() =>
        {
            try
            {
                for (var b = 0; b < batchCount && !stop.IsCancellationRequested; b++)
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
                    queue.Add(batch, stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None);

        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(cancellationToken)) yield return batch;
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
