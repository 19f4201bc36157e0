using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;

namespace Malaria.Inference.DependencyInjection;

/// <summary>Registers model files with the pool added by <see cref="MalariaClassifierServiceCollectionExtensions.AddMalariaClassifier"/>.</summary>
public sealed class MalariaClassifierBuilder
{
    internal MalariaClassifierBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Serves a model file under a name. The file is loaded when the pool is first resolved; with
    /// <paramref name="watchForChanges"/> it is reloaded whenever it changes.
    /// </summary>
    public MalariaClassifierBuilder FromFile(string modelName, string modelPath, bool watchForChanges = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var full = Path.GetFullPath(modelPath);
        Services.Configure<MalariaClassifierOptions>(options => options.Models.Add(new ModelRegistration(modelName, full, watchForChanges)));
        return this;
    }

    /// <summary>
    /// Serves a model file as the default model, which is also registered as a <see cref="MalariaClassifier"/> singleton.
    /// </summary>
    public MalariaClassifierBuilder FromFile(string modelPath, bool watchForChanges = false) =>
        FromFile(MalariaPredictionEnginePool.DefaultModelName, modelPath, watchForChanges);
}
