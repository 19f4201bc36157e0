using Malaria.Inference.Batching;

namespace Malaria.Inference.Tests.Batching;

/// <summary>
/// The stage that scores a batch call's chunks several at once: results come back in submission order whatever order
/// the chunks finish in, every chunk is released exactly once, and a failing chunk fails the call after the others
/// are released.
/// </summary>
public sealed class ChunkScoringStageTests
{
    [TestCase(1)]
    [TestCase(3)]
    public void Results_come_back_in_submission_order_and_every_chunk_is_released_once(int slots)
    {
        var released = new List<int>();
        var random = new Random(5);
        var delays = Enumerable.Range(0, 12).Select(_ => random.Next(0, 15)).ToArray();
        List<int> results;
        using (var stage = new ChunkScoringStage<int, int>(slots,
                   chunk =>
                   {
                       // Later chunks often finish first.
                       Thread.Sleep(delays[chunk[0] / 10]);
                       return chunk.Select(item => item * 2).ToArray();
                   },
                   (chunk, held) => { lock (released) released.Add((int)held); }))
        {
            for (var c = 0; c < 12; c++) stage.Submit(Enumerable.Range(c * 10, 10).ToList(), held: c);
            results = stage.Finish();
        }

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 120).Select(item => item * 2)));
        Assert.That(released.Order(), Is.EqualTo(Enumerable.Range(0, 12)), "each chunk's budget is given back once");
    }

    [Test]
    public void No_more_chunks_than_slots_are_scored_at_once()
    {
        var running = 0;
        var most = 0;
        using var stage = new ChunkScoringStage<int, int>(2,
            chunk =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Thread.Sleep(10);
                Interlocked.Decrement(ref running);
                return [.. chunk];
            },
            (_, _) => { });
        for (var c = 0; c < 10; c++) stage.Submit([c], 0);
        Assert.That(stage.Finish(), Has.Count.EqualTo(10));
        Assert.That(most, Is.EqualTo(2));
    }

    [Test]
    public void A_failing_chunk_fails_the_call_and_every_chunk_is_still_released()
    {
        var released = 0;
        var stage = new ChunkScoringStage<int, int>(3,
            chunk => chunk[0] == 4 ? throw new InvalidOperationException("engine failed on chunk 4") : [.. chunk],
            (_, _) => Interlocked.Increment(ref released));
        var submitted = 0;
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            for (var c = 0; c < 20; c++)
            {
                submitted++;
                stage.Submit([c], 0);
                Thread.Sleep(2);
            }
            stage.Finish();
        });
        stage.Dispose();

        Assert.That(error!.Message, Is.EqualTo("engine failed on chunk 4"));
        Assert.That(released, Is.EqualTo(submitted), "the failing chunk, those in flight and any submitted after it are all released");
    }

    [Test]
    public void Wait_for_one_returns_when_a_chunk_in_flight_is_done()
    {
        using var gate = new ManualResetEventSlim();
        using var stage = new ChunkScoringStage<int, int>(2, chunk => { gate.Wait(); return [.. chunk]; }, (_, _) => { });
        stage.Submit([1], 0);
        Assert.That(stage.InFlight, Is.EqualTo(1));
        var waiting = Task.Run(stage.WaitForOne);
        Assert.That(waiting.Wait(100), Is.False, "nothing is done yet");
        gate.Set();
        Assert.That(waiting.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(stage.InFlight, Is.Zero);
        Assert.That(stage.Finish(), Is.EqualTo(new[] { 1 }));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
