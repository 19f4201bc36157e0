using System.Runtime.ExceptionServices;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Batching;

/// <summary>
/// Reads, checks and decodes image files on several threads ahead of the model, and hands the results to one consumer
/// in input order (<see cref="Next"/>). Bounded twice: at most <c>window</c> files are taken ahead of the consumer,
/// and the decoded pixels of the images held (taken, not yet released by the consumer) stay within
/// <see cref="ImageLimits.MaxBatchDecodedBytes"/>, reserved from each file's header before it is decoded. Reservations
/// are granted in input order, so the image the consumer waits for is never kept waiting by later ones.
/// </summary>
/// <remarks>
/// A file that fails stops the taking of later files; <see cref="Next"/> reports the failure when the consumer reaches
/// it, so the error seen is always that of the first bad file in input order, as a sequential loop would report.
/// Disposing stops the workers, waits for them and disposes every image not handed out.
/// </remarks>
internal sealed class DecodePipeline<T> : IDisposable where T : class, IDisposable
{
    private readonly object _gate = new();
    private readonly IEnumerator<string> _paths;
    private readonly Func<string, ReadOnlyMemory<byte>, ImageHeader, T> _decode;
    private readonly ImageLimits _limits;
    private readonly int _window;
    private readonly Dictionary<int, Entry> _finished = [];
    private readonly Task[] _workers;
    private int _nextIndex;
    private int _nextToReserve;
    private int _taken;
    private int _end = -1;
    private int _stopAfter = int.MaxValue;
    private long _heldBytes;
    private int _heldImages;
    private bool _waitingForRoom;
    private bool _stopped;

    /// <param name="paths">The files, enumerated lazily (under a lock) by the workers.</param>
    /// <param name="decode">Turns a checked file (path, bytes, header) into what the consumer scores; runs on a worker.</param>
    /// <param name="limits">Byte and pixel limits, and the decoded-memory budget.</param>
    /// <param name="window">How many files may be taken ahead of the consumer.</param>
    /// <param name="workers">Decoding threads.</param>
    public DecodePipeline(IEnumerable<string> paths, Func<string, ReadOnlyMemory<byte>, ImageHeader, T> decode, ImageLimits limits, int window, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _paths = paths.GetEnumerator();
        _decode = decode;
        _limits = limits;
        _window = window;
        _workers = new Task[workers];
        for (var i = 0; i < workers; i++)
            _workers[i] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>What <see cref="Next"/> found.</summary>
    public enum State
    {
        /// <summary>The next image: score it, then <see cref="Release"/> its cost.</summary>
        Ready,

        /// <summary>No more files.</summary>
        End,

        /// <summary>Not decoded yet, and it cannot be until held images are released: score the images taken so far first.</summary>
        ReleaseFirst,
    }

    /// <summary>
    /// Waits for the next image in input order. With <paramref name="holding"/> (the consumer holds images it has not
    /// released), returns <see cref="State.ReleaseFirst"/> instead of waiting while the budget is exhausted.
    /// </summary>
    /// <exception cref="Exception">The file's own failure (e.g. <see cref="InvalidImageException"/>), rethrown.</exception>
    public State Next(bool holding, out T? item, out long cost)
    {
        item = null;
        cost = 0;
        Entry entry;
        lock (_gate)
        {
            while (true)
            {
                if (_finished.Remove(_taken, out entry)) break;
                if (_taken == _end) return State.End;
                if (holding && _waitingForRoom) return State.ReleaseFirst;
                Monitor.Wait(_gate);
            }
            _taken++;
            Monitor.PulseAll(_gate);
        }
        entry.Error?.Throw();
        item = entry.Item;
        cost = entry.Cost;
        return State.Ready;
    }

    /// <summary>Gives back the budget of images the consumer has scored (and disposed).</summary>
    public void Release(long bytes, int images)
    {
        lock (_gate)
        {
            _heldBytes -= bytes;
            _heldImages -= images;
            Monitor.PulseAll(_gate);
        }
    }

    private void Work()
    {
        while (true)
        {
            int index;
            string? path = null;
            Exception? error = null;
            lock (_gate)
            {
                while (!_stopped && _end < 0 && _nextIndex <= _stopAfter && _nextIndex >= _taken + _window) Monitor.Wait(_gate);
                if (_stopped || _end >= 0 || _nextIndex > _stopAfter) return;
                index = _nextIndex++;
                try
                {
                    if (!_paths.MoveNext())
                    {
                        _end = index;
                        Monitor.PulseAll(_gate);
                        return;
                    }
                    path = _paths.Current;
                }
                catch (Exception ex) { error = ex; }
                if (error is not null) _stopAfter = index;
            }

            ReadOnlyMemory<byte> bytes = default;
            ImageHeader header = default;
            long cost = 0;
            if (error is null)
            {
                try
                {
                    if (path is null) throw new ArgumentException($"Path {index} of the batch is null.", "imagePaths");
                    bytes = ImageFileReader.ReadAllBytes(path, _limits);
                    header = ImageHeaderReader.Read(bytes.Span, path, _limits);
                    cost = DecodedMemoryBudget.CostOf(header);
                }
                catch (Exception ex) { error = ex; }
            }

            var reserved = error is null;
            if (!Reserve(index, reserved ? cost : -1)) return;

            T? item = null;
            if (error is null)
            {
                try { item = _decode(path!, bytes, header); }
                catch (Exception ex) { error = ex; }
            }

            lock (_gate)
            {
                if (error is not null)
                {
                    _stopAfter = Math.Min(_stopAfter, index);
                    if (reserved)
                    {
                        _heldBytes -= cost;
                        _heldImages--;
                    }
                }
                if (_stopped)
                {
                    item?.Dispose();
                    return;
                }
                _finished[index] = new Entry(item, error is null ? cost : 0, error is null ? null : ExceptionDispatchInfo.Capture(error));
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// Waits for this index's turn, then for room for <paramref name="cost"/> bytes (any image fits when none is
    /// held), and reserves it; a cost of -1 (a failed file) only passes the turn. False when stopped.
    /// </summary>
    private bool Reserve(int index, long cost)
    {
        lock (_gate)
        {
            while (!_stopped && _nextToReserve != index) Monitor.Wait(_gate);
            if (cost >= 0)
            {
                while (!_stopped && _heldImages > 0 && cost > _limits.MaxBatchDecodedBytes - _heldBytes)
                {
                    _waitingForRoom = true;
                    Monitor.PulseAll(_gate);
                    Monitor.Wait(_gate);
                }
                _waitingForRoom = false;
                if (!_stopped)
                {
                    _heldBytes += cost;
                    _heldImages++;
                }
            }
            _nextToReserve++;
            Monitor.PulseAll(_gate);
            return !_stopped;
        }
    }

    /// <summary>Stops the workers, waits for them, and disposes the images nobody took.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopped) return;
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
        Task.WaitAll(_workers);
        foreach (var entry in _finished.Values) entry.Item?.Dispose();
        _finished.Clear();
        _paths.Dispose();
    }

    private readonly record struct Entry(T? Item, long Cost, ExceptionDispatchInfo? Error);
}
