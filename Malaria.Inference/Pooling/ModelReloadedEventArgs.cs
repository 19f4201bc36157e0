using Malaria.Inference.Models;

namespace Malaria.Inference.Pooling;

/// <summary>A named model now serves a newly loaded file.</summary>
public sealed class ModelReloadedEventArgs(string modelName, ModelInfo previous, ModelInfo current) : EventArgs
{
    /// <summary>The model's name in the pool.</summary>
    public string ModelName { get; } = modelName;

    /// <summary>The model that served before (disposed once its last caller finishes).</summary>
    public ModelInfo Previous { get; } = previous;

    /// <summary>The model serving now.</summary>
    public ModelInfo Current { get; } = current;
}
