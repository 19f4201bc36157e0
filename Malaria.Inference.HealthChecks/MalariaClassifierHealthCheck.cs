using Malaria.Inference.Pooling;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Malaria.Inference.HealthChecks;

/// <summary>
/// Healthy when every model of the pool is loaded and its last reload (if any) succeeded; degraded when a reload
/// failed (the previous model still serves, but the deployment did not take); unhealthy when the pool holds no model
/// or cannot be built. Each model's <see cref="ModelHealth"/> is in the result's data under its name.
/// </summary>
public sealed class MalariaClassifierHealthCheck(MalariaPredictionEnginePool pool) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failing = new List<string>();
        foreach (var name in pool.ModelNames.Order(StringComparer.Ordinal))
        {
            var classifier = pool.GetClassifier(name);
            var model = classifier.Model;
            var failure = classifier.LastReloadFailure;
            data[name] = new ModelHealth(model.Version, model.Path, model.LoadedAt, failure?.Message, failure?.At);
            if (failure is not null) failing.Add($"{name}: {failure.Message}");
        }

        var status = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var result = data.Count == 0 ? new HealthCheckResult(status, "No model is loaded.", data: data)
            : failing.Count > 0 ? HealthCheckResult.Degraded($"The last reload failed; the previous model keeps serving. {string.Join(" ", failing)}", data: data)
            : HealthCheckResult.Healthy($"{data.Count} model(s) loaded: {string.Join(", ", data.Keys)}.", data);
        return Task.FromResult(result);
    }
}
