using Malaria.Inference.Models;

namespace Malaria.Inference.Pooling;

/// <summary>A reload failed; the model that was serving still serves.</summary>
public sealed class ModelReloadFailedEventArgs(string modelName, Exception error, ModelInfo stillServing) : EventArgs
{
    /// <summary>The model's name in the pool.</summary>
    public string ModelName { get; } = modelName;

    /// <summary>Why the new file could not be loaded.</summary>
    public Exception Error { get; } = error;

    /// <summary>The model that keeps serving.</summary>
    public ModelInfo StillServing { get; } = stillServing;
}
