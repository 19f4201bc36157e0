using System.Threading.RateLimiting;
using Malaria.Web.Diagnostics;
using Malaria.Web.Options;
using Malaria.Web.Problems;
using Microsoft.Extensions.Options;

namespace Malaria.Web.Classification;

/// <summary>
/// The concurrency limiter in front of scoring: <see cref="WebLimits.MaxConcurrentScoring"/> requests score at once,
/// <see cref="WebLimits.ScoringQueueLimit"/> more wait, and any beyond get 429 at once (no unbounded queue). A request
/// enters after its upload has been read, so a slow client never holds a scoring slot.
/// </summary>
public sealed class ScoringGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly WebMetrics _metrics;
    private readonly WebLimits _limits;

    public ScoringGate(IOptions<WebLimits> limits, WebMetrics metrics)
    {
        _limits = limits.Value;
        _metrics = metrics;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _limits.MaxConcurrentScoring,
            QueueLimit = _limits.ScoringQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Waits for a scoring slot; a 429 problem when the slots and the queue are full.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        _metrics.Saturated();
        throw ApiProblemException.Saturated(
            $"The classifier is busy ({_limits.MaxConcurrentScoring} requests scoring, {_limits.ScoringQueueLimit} waiting); retry in {_limits.RetryAfterSeconds} s.");
    }

    /// <summary>Requests scoring now and waiting now.</summary>
    public (long Available, long Queued) Load
    {
        get
        {
            var statistics = _limiter.GetStatistics();
            return (statistics?.CurrentAvailablePermits ?? 0, statistics?.CurrentQueuedCount ?? 0);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
