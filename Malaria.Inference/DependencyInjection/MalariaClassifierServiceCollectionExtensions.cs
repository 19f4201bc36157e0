using Malaria.Inference.Pooling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Malaria.Inference.DependencyInjection;

/// <summary>Adds the malaria classifier to a service collection.</summary>
public static class MalariaClassifierServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="MalariaPredictionEnginePool"/>, and <see cref="IMalariaClassifier"/> (also as
    /// <see cref="MalariaClassifier"/>) for the model named <c>default</c>: the built-in model unless a file is
    /// registered under that name. Every model loads when the host starts. Register more models on the returned builder.
    /// </summary>
    /// <example><code>
    /// builder.Services.AddMalariaClassifier();                                   // the built-in model
    /// builder.Services.AddMalariaClassifier(o => o.ImageLimits.MaxPixels = 1_000_000)
    ///     .FromDefault()
    ///     .FromFile("mobilenet", "models/model.zip", watchForChanges: true);
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
        services.TryAddSingleton<IMalariaClassifier>(provider => provider.GetRequiredService<MalariaClassifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MalariaModelStartupLoader>());
        return new MalariaClassifierBuilder(services);
    }

    /// <summary>
    /// As <see cref="AddMalariaClassifier(IServiceCollection, Action{MalariaClassifierOptions}?)"/>, with the options
    /// bound from a configuration section (e.g. <c>builder.Configuration.GetSection("Malaria")</c>), models included:
    /// <c>"Models": { "mobilenet": { "Path": "models/model.zip", "WatchForChanges": true } }</c>.
    /// </summary>
    public static MalariaClassifierBuilder AddMalariaClassifier(this IServiceCollection services, IConfiguration configuration, Action<MalariaClassifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<MalariaClassifierOptions>(configuration);
        return services.AddMalariaClassifier(configure);
    }
}
