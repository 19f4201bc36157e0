using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Malaria.Inference.HealthChecks;

/// <summary>Adds <see cref="MalariaClassifierHealthCheck"/> to a health checks builder.</summary>
public static class MalariaClassifierHealthChecksBuilderExtensions
{
    /// <summary>
    /// Checks the models registered with <c>AddMalariaClassifier()</c>. Tag it (e.g. <c>tags: ["ready"]</c>) to serve
    /// it from a readiness endpoint.
    /// </summary>
    /// <example><code>
    /// builder.Services.AddHealthChecks().AddMalariaClassifier(tags: ["ready"]);
    /// app.MapHealthChecks("/health/ready", new() { Predicate = c =&gt; c.Tags.Contains("ready") });
    /// </code></example>
    public static IHealthChecksBuilder AddMalariaClassifier(this IHealthChecksBuilder builder, string name = "malaria-models",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            provider => new MalariaClassifierHealthCheck(provider.GetRequiredService<MalariaPredictionEnginePool>()),
            failureStatus, tags, timeout));
    }
}
