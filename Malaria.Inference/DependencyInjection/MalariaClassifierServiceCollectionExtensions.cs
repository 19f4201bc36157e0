using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Malaria.Inference.DependencyInjection;

/// <summary>Adds the malaria classifier to a service collection.</summary>
public static class MalariaClassifierServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="MalariaPredictionEnginePool"/> (and <see cref="MalariaClassifier"/> for the
    /// default model) configured through <see cref="MalariaClassifierOptions"/>; register models on the returned builder.
    /// </summary>
    /// <example><code>
    /// services.AddMalariaClassifier(o => o.ImageLimits.MaxPixels = 1_000_000)
    ///         .FromFile("models/model.zip", watchForChanges: true);
    /// </code></example>
    public static MalariaClassifierBuilder AddMalariaClassifier(this IServiceCollection services, Action<MalariaClassifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MalariaClassifierOptions>();
        if (configure is not null) services.Configure(configure);
        services.TryAddSingleton(provider => new MalariaPredictionEnginePool(
            provider.GetRequiredService<IOptions<MalariaClassifierOptions>>(), provider.GetService<ILoggerFactory>()));
        // Disposed by the pool and again (harmlessly) by the container, both at shutdown.
        services.TryAddSingleton(provider => provider.GetRequiredService<MalariaPredictionEnginePool>().GetClassifier(MalariaPredictionEnginePool.DefaultModelName));
        return new MalariaClassifierBuilder(services);
    }
}
