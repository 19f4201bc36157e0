using Malaria.Inference;
using Malaria.Inference.DependencyInjection;
using Malaria.Web.Options;
using Microsoft.Extensions.Options;

namespace Malaria.Web.Classification;

/// <summary>Registers the models of the <c>Malaria</c> section (and the built-in one) with the library's pool.</summary>
internal static class ClassifierRegistration
{
    public static IServiceCollection AddClassifierModels(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(ModelSettings.Section).Get<ModelSettings>() ?? new ModelSettings();
        var models = services.AddMalariaClassifier();
        // The web limits are the only image limits: the decoder checks them before any pixel is decoded.
        services.AddOptions<MalariaClassifierOptions>().Configure<IOptions<WebLimits>>((options, limits) =>
        {
            options.ImageLimits.MaxPixels = limits.Value.MaxPixels;
            options.ImageLimits.MaxBytes = limits.Value.MaxFileBytes;
        });
        if (!settings.Models.ContainsKey(BuiltInModel.Name)) models.FromFile(BuiltInModel.Name, BuiltInModel.Path);
        foreach (var (name, model) in settings.Models)
        {
            if (string.IsNullOrWhiteSpace(model.Path))
                throw new OptionsValidationException($"{ModelSettings.Section}:Models:{name}", typeof(ModelFileSettings),
                    [$"Model '{name}' has no Path (set {ModelSettings.Section}:Models:{name}:Path)."]);
            models.FromFile(name, model.Path, model.WatchForChanges);
        }
        services.AddSingleton<ClassifierService>();
        // Resolving the service loads every model: at host start, so a bad file stops start-up instead of failing a request.
        services.AddHostedService<ModelStartup>();
        return services;
    }
}

/// <summary>Loads every model when the host starts.</summary>
internal sealed class ModelStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<ClassifierService>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
