using Malaria.Web.Classification;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Malaria.Web.Diagnostics;

/// <summary>
/// Ready when every model is loaded; each model's version and last reload failure are in the data. A failed reload
/// makes the app Degraded (still ready: the previous model keeps serving) until the file loads again.
/// Until the library's own check (Malaria.Inference.HealthChecks) arrives.
/// </summary>
internal sealed class ModelsHealthCheck(ClassifierService classifier) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failed = new List<string>();
        try
        {
            foreach (var name in classifier.ModelNames)
            {
                var model = classifier.Describe(name);
                data[name] = new { model.Version, model.LoadedAt, model.LastReloadFailure };
                if (model.LastReloadFailure is not null) failed.Add(name);
            }
        }
        catch (ObjectDisposedException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The models are disposed (shutting down).", ex));
        }
        if (data.Count == 0) return Task.FromResult(HealthCheckResult.Unhealthy("No model is loaded."));
        return Task.FromResult(failed.Count == 0
            ? HealthCheckResult.Healthy(data.Count == 1 ? "1 model loaded." : $"{data.Count} models loaded.", data)
            : HealthCheckResult.Degraded($"Reloading {string.Join(", ", failed)} failed; the previous version keeps serving.", data: data));
    }
}
