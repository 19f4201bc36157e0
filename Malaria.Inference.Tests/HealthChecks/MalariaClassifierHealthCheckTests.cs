using Malaria.Inference.DependencyInjection;
using Malaria.Inference.HealthChecks;
using Malaria.Inference.IO;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Malaria.Inference.Tests.HealthChecks;

/// <summary>The companion health check: every model with its version, degraded while a reload fails, healthy again after.</summary>
public sealed class MalariaClassifierHealthCheckTests
{
    [Test]
    public async Task Reports_each_model_and_the_last_reload_failure()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMalariaClassifier().FromFile("cells", path);
        services.AddHealthChecks().AddMalariaClassifier(tags: ["ready"]);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var pool = provider.GetRequiredService<MalariaPredictionEnginePool>();

        var report = await health.CheckHealthAsync();
        var entry = report.Entries["malaria-models"];
        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Healthy), entry.Description);
        Assert.That(entry.Tags, Does.Contain("ready"));
        Assert.That(entry.Data.Keys, Is.EquivalentTo(new[] { "cells", MalariaPredictionEnginePool.DefaultModelName }));
        var cells = (ModelHealth)entry.Data["cells"];
        Assert.That(cells.Version, Is.EqualTo(pool.GetVersion("cells")));
        Assert.That(cells.Source, Is.EqualTo(path));
        Assert.That(cells.LastReloadFailure, Is.Null);

        File.WriteAllText(path, "garbage");
        Assert.That(pool.Reload("cells"), Is.False);
        entry = (await health.CheckHealthAsync()).Entries["malaria-models"];
        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Degraded), "the deployment did not take, the old model serves");
        Assert.That(((ModelHealth)entry.Data["cells"]).LastReloadFailure, Does.Contain(path));
        Assert.That(entry.Description, Does.Contain("cells"));

        AtomicFile.WriteAllBytes(path, TestModels.Zip(flipped: true));
        Assert.That(pool.Reload("cells"), Is.True);
        entry = (await health.CheckHealthAsync()).Entries["malaria-models"];
        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(((ModelHealth)entry.Data["cells"]).Version, Is.EqualTo(pool.GetVersion("cells")).And.Not.EqualTo(cells.Version));
    }
}
