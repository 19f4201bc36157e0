namespace Malaria.Inference.HealthChecks;

/// <summary>What the health check reports for one model, in <c>HealthCheckResult.Data</c> under the model's name.</summary>
/// <param name="Version">The serving model's version.</param>
/// <param name="Source">Its file path, or the built-in model's name.</param>
/// <param name="LoadedAt">When the serving model was loaded (UTC).</param>
/// <param name="LastReloadFailure">Why the most recent reload failed, or null when it did not.</param>
/// <param name="LastReloadFailedAt">When that reload failed, or null.</param>
public sealed record ModelHealth(string Version, string Source, DateTimeOffset LoadedAt, string? LastReloadFailure, DateTimeOffset? LastReloadFailedAt);
