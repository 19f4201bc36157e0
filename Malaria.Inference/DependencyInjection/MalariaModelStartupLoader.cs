using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Malaria.Inference.DependencyInjection;

/// <summary>
/// Loads every registered model when the host starts, so a missing or broken model file stops start-up with an error
/// naming it instead of failing the first request.
/// </summary>
internal sealed class MalariaModelStartupLoader(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Building the pool loads its models; a failure propagates and the host does not start.
        services.GetRequiredService<MalariaPredictionEnginePool>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
