using Malaria.Inference;
using Malaria.Inference.DependencyInjection;
using Malaria.Web.Options;
using Microsoft.Extensions.Options;

namespace Malaria.Web.Classification;

/// <summary>
/// Registers the models of the <c>Malaria</c> section with the library's pool (the built-in model serves as
/// "default" unless a configured model takes that name); the library loads them all when the host starts.
/// </summary>
internal static class ClassifierRegistration
{
    /// <summary>The configuration section bound to the library's options: <c>{ "Models": { "name": { "Path": "...", "WatchForChanges": true } } }</c>.</summary>
    public const string Section = "Malaria";

    public static IServiceCollection AddClassifierModels(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        services.AddMalariaClassifier(section);
        // The app watches its model files unless told not to (the library's default is not to).
        services.PostConfigure<MalariaClassifierOptions>(options =>
        {
            foreach (var (name, model) in options.Models)
                if (section[$"Models:{name}:WatchForChanges"] is null) model.WatchForChanges = true;
        });
        // The web limits are the only image limits: the decoder checks them before any pixel is decoded.
        services.AddOptions<MalariaClassifierOptions>().Configure<IOptions<WebLimits>>((options, limits) =>
        {
            options.ImageLimits.MaxPixels = limits.Value.MaxPixels;
            options.ImageLimits.MaxBytes = limits.Value.MaxFileBytes;
        });
        services.AddSingleton<ClassifierService>();
        return services;
    }
}
