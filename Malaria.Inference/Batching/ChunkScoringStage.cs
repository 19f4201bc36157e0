using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Malaria.Inference.Batching;

/// <summary>
/// Scores the chunks a batch call submits on up to <c>slots</c> threads at once, while the caller collects the next
/// chunk, and gives the results back in submission order (<see cref="Finish"/>). With one slot a chunk is scored on the
/// caller's thread when it is submitted, as a plain loop would.
/// </summary>
/// <remarks>
/// The model runs of a batch go side by side because one run of the small CNN keeps one core busy, and its decoding
/// takes less than the rest: with one model run at a time the other cores wait (docs/inference-benchmarks.md).
/// <c>score</c> is called once per chunk, on any thread; it must be safe to call concurrently (each call rents its own
/// engine). <c>release</c> runs after every chunk, scored or failed, to hand its images and their budget back.
/// </remarks>
internal sealed class ChunkScoringStage<TItem, TResult> : IDisposable
{
    private readonly Func<IReadOnlyList<TItem>, TResult[]> _score;
    private readonly Action<IReadOnlyList<TItem>, long> _release;
    private readonly List<TResult[]?> _results = [];
    private readonly object _gate = new();
    // Its own threads, not the thread pool's: a caller that blocks on a batch (a request thread, Parallel.For) must
    // never wait for the pool to grow before its chunks are scored.
    private readonly BlockingCollection<(int Index, IReadOnlyList<TItem> Chunk, long Held)>? _queue;
    private readonly Task[] _workers = [];
    private int _inFlight;
    private ExceptionDispatchInfo? _failure;

    /// <param name="slots">How many chunks may be scored at once.</param>
    /// <param name="score">Scores one chunk: one result per item, in order.</param>
    /// <param name="release">Gives a chunk's items and their held cost back, once the chunk is done with.</param>
    public ChunkScoringStage(int slots, Func<IReadOnlyList<TItem>, TResult[]> score, Action<IReadOnlyList<TItem>, long> release)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _score = score;
        _release = release;
        if (slots == 1) return;
        _queue = new BlockingCollection<(int, IReadOnlyList<TItem>, long)>(boundedCapacity: 1);
        _workers = new Task[slots];
        for (var i = 0; i < slots; i++)
            _workers[i] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The most chunks the stage holds at once: one per slot being scored and one waiting for a slot.</summary>
    public static int MaxChunksHeld(int slots) => slots == 1 ? 1 : slots + 1;

    /// <summary>Chunks submitted and not yet done with.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Scores <paramref name="chunk"/> (whose items hold <paramref name="held"/> bytes of budget), waiting first for
    /// room. The stage owns the chunk from here on. Throws the failure of an earlier chunk, if any.
    /// </summary>
    public void Submit(IReadOnlyList<TItem> chunk, long held)
    {
        int index;
        lock (_gate)
        {
            if (_failure is not null)
            {
                _release(chunk, held);
                _failure.Throw();
            }
            index = _results.Count;
            _results.Add(null);
            _inFlight++;
        }
        if (_queue is null) Score(index, chunk, held);
        else _queue.Add((index, chunk, held));
        lock (_gate) _failure?.Throw();
    }

    /// <summary>Waits until some chunk in flight is done (none: returns at once); throws the failure of a chunk, if any.</summary>
    public void WaitForOne()
    {
        lock (_gate)
        {
            if (_inFlight > 0)
            {
                var before = _inFlight;
                while (_inFlight >= before) Monitor.Wait(_gate);
            }
            _failure?.Throw();
        }
    }

    /// <summary>Waits for every chunk and returns all results in submission order; throws the first failure.</summary>
    public List<TResult> Finish()
    {
        WaitAll();
        lock (_gate)
        {
            _failure?.Throw();
            var results = new List<TResult>(_results.Sum(chunk => chunk!.Length));
            foreach (var chunk in _results) results.AddRange(chunk!);
            return results;
        }
    }

    /// <summary>Waits for the chunks in flight, so their items are released before the caller's pipeline goes.</summary>
    public void Dispose()
    {
        WaitAll();
        _queue?.Dispose();
    }

    private void Work()
    {
        foreach (var (index, chunk, held) in _queue!.GetConsumingEnumerable()) Score(index, chunk, held);
    }

    private void Score(int index, IReadOnlyList<TItem> chunk, long held)
    {
        try
        {
            // A chunk after a failure is only released: the call fails anyway.
            bool failed;
            lock (_gate) failed = _failure is not null;
            if (failed) return;
            var scored = _score(chunk);
            lock (_gate) _results[index] = scored;
        }
        catch (Exception ex)
        {
            lock (_gate) _failure ??= ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _release(chunk, held);
            lock (_gate)
            {
                _inFlight--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void WaitAll()
    {
        if (_queue is null) return;
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        // Failures are recorded by Score itself, never thrown out of a worker.
        Task.WaitAll(_workers);
    }
}
