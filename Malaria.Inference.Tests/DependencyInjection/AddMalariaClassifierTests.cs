using Malaria.Inference;
using Malaria.Inference.DependencyInjection;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Malaria.Inference.Tests.DependencyInjection;

/// <summary>The service-collection entry point: options, builder, logging, singletons and disposal.</summary>
public sealed class AddMalariaClassifierTests
{
    [Test]
    public void Registers_a_pool_with_named_models_options_and_logging()
    {
        using var folder = new TempFolder();
        var normal = TestModels.Write(folder.Combine("a"), flipped: false);
        var flipped = TestModels.Write(folder.Combine("b"), flipped: true, ".onnx");
        var logger = new ListLogger();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logger));
        services.AddMalariaClassifier(o =>
            {
                o.MaxEnginesPerModel = 3;
                o.ImageLimits.MaxPixels = 10_000;
            })
            .FromFile(MalariaPredictionEnginePool.DefaultModelName, normal)
            .FromFile("flipped", flipped, watchForChanges: true);

        MalariaPredictionEnginePool pool;
        using (var provider = services.BuildServiceProvider())
        {
            pool = provider.GetRequiredService<MalariaPredictionEnginePool>();
            Assert.That(provider.GetRequiredService<MalariaPredictionEnginePool>(), Is.SameAs(pool), "one pool per container");
            Assert.That(provider.GetRequiredService<IOptions<MalariaClassifierOptions>>().Value.MaxEnginesPerModel, Is.EqualTo(3));
            Assert.That(pool.ModelNames, Is.EquivalentTo(new[] { MalariaPredictionEnginePool.DefaultModelName, "flipped" }));

            var classifier = provider.GetRequiredService<MalariaClassifier>();
            Assert.That(classifier, Is.SameAs(pool.GetClassifier(MalariaPredictionEnginePool.DefaultModelName)));
            var png = TestImages.Png(TestImages.Tint.Red);
            Assert.That(classifier.Classify(png).Label, Is.EqualTo("Parasitized"));
            Assert.That(pool.Classify("flipped", png).Label, Is.EqualTo("Uninfected"));
            var tooBig = TestImages.Png(TestImages.Tint.Red, width: 200, height: 100);
            Assert.Throws<Malaria.Inference.Imaging.InvalidImageException>(() => classifier.Classify(tooBig), "the configured pixel limit applies");
            Assert.That(logger.Entries.Any(e => e.Level == LogLevel.Information && e.Message.Contains("flipped") && e.Message.Contains("loaded")), Is.True);
        }
        Assert.That(() => pool.Classify("flipped", TestImages.Png(TestImages.Tint.Red)), Throws.InstanceOf<ObjectDisposedException>(), "the container disposes the pool");
    }

    [Test]
    public void A_bad_model_fails_when_the_pool_is_first_resolved()
    {
        using var folder = new TempFolder();
        var services = new ServiceCollection();
        services.AddMalariaClassifier().FromFile("broken", folder.Combine("missing.zip"));
        using var provider = services.BuildServiceProvider();
        Assert.That(() => provider.GetRequiredService<MalariaPredictionEnginePool>(), Throws.InstanceOf<ModelLoadException>().With.Message.Contain("missing.zip"));
    }
}
