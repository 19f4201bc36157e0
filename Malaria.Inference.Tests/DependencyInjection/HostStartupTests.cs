using Malaria.Inference;
using Malaria.Inference.DependencyInjection;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Malaria.Inference.Tests.DependencyInjection;

/// <summary>
/// The library in a generic host, as an ASP.NET Core app uses it: the built-in model with one line, models from
/// configuration, and a broken model file that stops start-up instead of failing the first request.
/// </summary>
public sealed class HostStartupTests
{
    [Test]
    public async Task One_line_serves_the_built_in_model_as_an_injectable_classifier()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMalariaClassifier();
        builder.Services.AddSingleton<CellTriage>();
        using var host = builder.Build();
        await host.StartAsync();

        var triage = host.Services.GetRequiredService<CellTriage>();
        Assert.That(triage.IsSuspicious(TestImages.Png(TestImages.Tint.Red, 120, 110)), Is.TypeOf<bool>());
        var classifier = host.Services.GetRequiredService<IMalariaClassifier>();
        Assert.That(classifier.Name, Is.EqualTo(MalariaPredictionEnginePool.DefaultModelName));
        Assert.That(classifier.Model.Path, Does.StartWith("built-in:"));
        Assert.That(classifier, Is.SameAs(host.Services.GetRequiredService<MalariaClassifier>()));
        await host.StopAsync();
    }

    [Test]
    public async Task Models_come_from_configuration_beside_the_built_in_one()
    {
        using var folder = new TempFolder();
        var flipped = TestModels.Write(folder.Path, flipped: true, ".onnx");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Malaria:Models:flipped:Path"] = flipped,
            ["Malaria:Models:flipped:WatchForChanges"] = "true",
            ["Malaria:ImageLimits:MaxPixels"] = "50000",
            ["Malaria:BatchSize"] = "8",
        });
        builder.Services.AddMalariaClassifier(builder.Configuration.GetSection("Malaria")).FromDefault("cnn");
        using var host = builder.Build();
        await host.StartAsync();

        var pool = host.Services.GetRequiredService<MalariaPredictionEnginePool>();
        Assert.That(pool.ModelNames, Is.EquivalentTo(new[] { "flipped", "cnn", MalariaPredictionEnginePool.DefaultModelName }));
        Assert.That(pool.GetClassifier("flipped").ModelPath, Is.EqualTo(flipped));
        Assert.That(pool.GetClassifier("flipped").ImageLimits.MaxPixels, Is.EqualTo(50_000));
        Assert.That(pool.Classify("flipped", TestImages.Png(TestImages.Tint.Red)).Label, Is.EqualTo("Uninfected"));
        Assert.That(pool.GetModelInfo("cnn").Version, Is.EqualTo(pool.GetModelInfo(MalariaPredictionEnginePool.DefaultModelName).Version), "both names serve the built-in model");
        await host.StopAsync();
    }

    [Test]
    public async Task A_missing_model_file_stops_start_up_naming_the_file()
    {
        using var folder = new TempFolder();
        var missing = folder.Combine("models", "missing.zip");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMalariaClassifier().FromFile("mobilenet", missing);
        using var host = builder.Build();
        var error = (await Assert.ThrowsAsync<ModelLoadException>(() => host.StartAsync()))!;
        Assert.That(error.Message, Does.Contain(missing).And.Contain("does not exist"));
    }

    [Test]
    public async Task A_model_without_a_path_in_configuration_stops_start_up_naming_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Malaria:Models:mobilenet:WatchForChanges"] = "true" });
        builder.Services.AddMalariaClassifier(builder.Configuration.GetSection("Malaria"));
        using var host = builder.Build();
        var error = (await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync()))!;
        Assert.That(error.Message, Does.Contain("'mobilenet'").And.Contain("Path"));
    }

    /// <summary>What user code looks like: it depends on the interface, so its own tests can hand it a fake.</summary>
    private sealed class CellTriage(IMalariaClassifier classifier)
    {
        public bool IsSuspicious(byte[] png) => classifier.Classify(png).ScoreOf("Parasitized") > 0.3f;
    }
}
