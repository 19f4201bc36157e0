using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>Batches are assembled in parallel rounds, yet each is exactly what its own seed defines.</summary>
public class BatchProducerTests
{
    private static readonly Augmentation WithDepartures = new(Domain: DomainAugmentation.V2);

    [Test]
    public void EachBatchIsItsSliceOfTheShuffleAugmentedFromItsOwnStreamWhateverTheWorkers()
    {
        var set = TorchTestImages.Set(50, 32, seed: 3);
        var indices = Enumerable.Range(0, set.Count).ToArray();
        var order = indices.ToArray();
        new Random(Seeds.Mix(11, 2, -1)).Shuffle(order);

        foreach (var workers in new[] { 1, 3 })
        {
            var batches = BatchProducer.Batches(set, indices, 8, shuffle: true, WithDepartures, seed: 11, epoch: 2, dropLast: true, workers: workers).ToList();
            Assert.That(batches, Has.Count.EqualTo(6), "50 images make 6 full batches of 8; the rest is dropped");
            for (var b = 0; b < batches.Count; b++)
            {
                var expected = new float[8 * set.ImageBytes];
                var random = new Random(Seeds.Mix(11, 2, b));
                Func<Random, ReadOnlyMemory<byte>> neighbour = r => set.Pixels.AsMemory(order[r.Next(order.Length)] * set.ImageBytes, set.ImageBytes);
                for (var i = 0; i < 8; i++)
                    WithDepartures.Apply(set.Pixels.AsSpan(order[b * 8 + i] * set.ImageBytes, set.ImageBytes), expected.AsSpan(i * set.ImageBytes, set.ImageBytes), set.Size, random, neighbour);
                Assert.Multiple(() =>
                {
                    Assert.That(batches[b].Indices, Is.EqualTo(order[(b * 8)..(b * 8 + 8)]), $"batch {b} with {workers} workers");
                    Assert.That(batches[b].Labels, Is.EqualTo(batches[b].Indices.Select(i => (long)set.Labels[i])));
                    Assert.That(batches[b].Pixels, Is.EqualTo(expected), $"batch {b} with {workers} workers");
                });
            }
        }
    }

    [Test]
    public void WithoutDropLastTheLastBatchHoldsTheRestAndEveryImageComesOnce()
    {
        var set = TorchTestImages.Set(21, 16, seed: 4);
        var batches = BatchProducer.Batches(set, Enumerable.Range(0, set.Count).ToArray(), 8, shuffle: false, Augmentation.None, 0, 0, dropLast: false).ToList();
        Assert.That(batches.Select(b => b.Labels.Length), Is.EqualTo(new[] { 8, 8, 5 }));
        Assert.That(batches.SelectMany(b => b.Indices), Is.EqualTo(Enumerable.Range(0, 21)));
        Assert.That(batches[2].Pixels, Is.EqualTo(set.Pixels.AsSpan(16 * set.ImageBytes, 5 * set.ImageBytes).ToArray().Select(v => (float)v)));
    }

    [Test]
    public void ACancelledRunStopsWithOperationCanceled()
    {
        var set = TorchTestImages.Set(40, 16, seed: 5);
        using var cancel = new CancellationTokenSource();
        var batches = BatchProducer.Batches(set, Enumerable.Range(0, set.Count).ToArray(), 4, shuffle: true, WithDepartures, 1, 0, dropLast: true, cancel.Token, workers: 2);
        Assert.That(() =>
        {
            foreach (var _ in batches) cancel.Cancel();
        }, Throws.InstanceOf<OperationCanceledException>());
    }
}
