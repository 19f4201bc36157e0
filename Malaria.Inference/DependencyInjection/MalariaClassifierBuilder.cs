using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;

namespace Malaria.Inference.DependencyInjection;

/// <summary>Registers models with the pool added by <see cref="MalariaClassifierServiceCollectionExtensions.AddMalariaClassifier(IServiceCollection, Action{MalariaClassifierOptions}?)"/>.</summary>
public sealed class MalariaClassifierBuilder
{
    internal MalariaClassifierBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Serves the built-in model under a name (by default <see cref="MalariaPredictionEnginePool.DefaultModelName"/>,
    /// which is also what an injected <see cref="IMalariaClassifier"/> serves). The built-in model serves as
    /// <c>default</c> even without this call unless a file is registered under that name; call it to say so, or to
    /// serve it under another name beside your own models.
    /// </summary>
    public MalariaClassifierBuilder FromDefault(string modelName = MalariaPredictionEnginePool.DefaultModelName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        Services.Configure<MalariaClassifierOptions>(options => options.BuiltInModels.Add(modelName));
        return this;
    }

    /// <summary>
    /// Serves a model file under a name. The file is loaded when the host starts (or when the pool is first
    /// resolved, without a host); with <paramref name="watchForChanges"/> it is reloaded whenever it changes.
    /// Registering a file as <c>default</c> replaces the built-in model there. <paramref name="operatingPoint"/> names
    /// the card's operating point that decides this model's labels (null: the options', else the card's default).
    /// </summary>
    public MalariaClassifierBuilder FromFile(string modelName, string modelPath, bool watchForChanges = false, string? operatingPoint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var full = Path.GetFullPath(modelPath);
        Services.Configure<MalariaClassifierOptions>(options => options.Models[modelName] = new ModelFileOptions { Path = full, WatchForChanges = watchForChanges, OperatingPoint = operatingPoint });
        return this;
    }
}
