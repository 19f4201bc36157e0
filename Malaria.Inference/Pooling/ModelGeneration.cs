using Malaria.Inference.Models;
using Microsoft.Extensions.ObjectPool;

namespace Malaria.Inference.Pooling;

/// <summary>
/// One loaded model together with its own pool of engines, reference-counted. The owner (the classifier) holds one
/// reference until it swaps in a newer generation; every caller holds one for the length of its prediction. When the
/// count reaches zero the pooled engines and the model are disposed, so a reload never leaks native memory and a
/// prediction that started on this generation always finishes on it.
/// </summary>
internal sealed class ModelGeneration
{
    private readonly LoadedModel _model;
    private readonly ObjectPool<PooledEngine> _engines;
    private int _references = 1;
    private int _retired;
    private int _liveEngines;

    public ModelGeneration(LoadedModel model, int maxRetainedEngines)
    {
        _model = model;
        _engines = new DefaultObjectPoolProvider { MaximumRetained = maxRetainedEngines }.Create(new Policy(this));
    }

    public ModelInfo Info => _model.Info;

    /// <summary>True once the model and all its engines are disposed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Engines created and not yet disposed (pooled or rented).</summary>
    public int LiveEngines => Volatile.Read(ref _liveEngines);

    /// <summary>Takes a reference unless the generation is already fully released (then the caller must read the newer one).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var count = Volatile.Read(ref _references);
            if (count == 0) return false;
            if (Interlocked.CompareExchange(ref _references, count + 1, count) == count) return true;
        }
    }

    public void Release()
    {
        var count = Interlocked.Decrement(ref _references);
        if (count == 0) DisposeAll();
        else if (count < 0) throw new InvalidOperationException($"Model generation {Info.Version[..12]} was released more often than acquired.");
    }

    /// <summary>Drops the owner's reference: called once, when a newer generation has replaced this one.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0) Release();
    }

    /// <summary>
    /// Runs <paramref name="work"/> with an engine of this generation and returns the engine afterwards. An engine that
    /// failed mid-run is disposed rather than trusted again, unless the failure was the caller's (a bad argument, an
    /// operation the model does not support). The caller holds a reference (<see cref="TryAcquire"/>) meanwhile; several
    /// threads may run at once, each on its own engine.
    /// </summary>
    public T Run<T>(Func<ModelInfo, ScoringEngine, T> work)
    {
        var engine = Rent();
        T result;
        try { result = work(Info, engine.Engine); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException) { Return(engine); throw; }
        catch { engine.Dispose(); throw; }
        Return(engine);
        return result;
    }

    public PooledEngine Rent() => _engines.Get();

    /// <summary>Returns an engine to the pool it came from; an engine of another generation is a bug, never pooled here.</summary>
    public void Return(PooledEngine engine)
    {
        if (!ReferenceEquals(engine.Owner, this))
            throw new InvalidOperationException("An engine was returned to a model generation it does not belong to.");
        _engines.Return(engine);
    }

    private void DisposeAll()
    {
        (_engines as IDisposable)?.Dispose();
        _model.Dispose();
        IsDisposed = true;
    }

    /// <summary>An engine that knows its generation, so the pool can refuse a foreign one and count disposals.</summary>
    internal sealed class PooledEngine(ModelGeneration owner, ScoringEngine engine) : IDisposable
    {
        private int _disposed;

        public ModelGeneration Owner { get; } = owner;

        public ScoringEngine Engine { get; } = engine;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Engine.Dispose();
            Interlocked.Decrement(ref Owner._liveEngines);
        }
    }

    private sealed class Policy(ModelGeneration owner) : IPooledObjectPolicy<PooledEngine>
    {
        public PooledEngine Create()
        {
            var engine = new PooledEngine(owner, owner._model.CreateEngine());
            Interlocked.Increment(ref owner._liveEngines);
            return engine;
        }

        public bool Return(PooledEngine obj) => true;
    }
}
