using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.Logging;

namespace Malaria.Inference.Tests.Pooling;

/// <summary>Named models, engine reuse, manual and watched reloads, and what happens when a reload fails.</summary>
public sealed class PredictionEnginePoolTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    private static MalariaClassifierOptions FastOptions(int engines = 4) => new()
    {
        MaxEnginesPerModel = engines,
        ReloadDebounce = TimeSpan.FromMilliseconds(100),
        ReloadRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    [Test]
    public void Named_models_serve_their_own_file()
    {
        using var pool = new MalariaPredictionEnginePool(FastOptions())
            .FromFile("normal", TestModels.Write(_folder.Combine("a"), flipped: false))
            .FromFile("flipped", TestModels.Write(_folder.Combine("b"), flipped: true, ".onnx"));
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(pool.Classify("normal", red).Label, Is.EqualTo("Parasitized"));
        Assert.That(pool.Classify("flipped", red).Label, Is.EqualTo("Uninfected"));
        Assert.That(pool.ModelNames, Is.EquivalentTo(new[] { "normal", "flipped" }));
        Assert.That(pool.GetModelInfo("flipped").Format, Is.EqualTo(ModelFormat.Onnx));
        var missing = Assert.Throws<KeyNotFoundException>(() => pool.Classify("other", red))!;
        Assert.That(missing.Message, Does.Contain("'other'").And.Contain("normal").And.Contain("flipped"));
        Assert.Throws<ArgumentException>(() => pool.FromFile("normal", TestModels.Write(_folder.Combine("c"), flipped: false)));
    }

    [Test]
    public void Engines_are_reused_and_idle_ones_bounded()
    {
        using var pool = new MalariaPredictionEnginePool(FastOptions(engines: 2)).FromFile(MalariaPredictionEnginePool.DefaultModelName, TestModels.Write(_folder.Path, flipped: false));
        var classifier = pool.GetClassifier(MalariaPredictionEnginePool.DefaultModelName);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            using var image = TestImages.Decoded(TestImages.Tint.Blue);
            for (var i = 0; i < 50; i++) Assert.That(pool.Classify(MalariaPredictionEnginePool.DefaultModelName, image).Label, Is.EqualTo("Uninfected"));
        });
        // Engines made for bursts above the bound are disposed on return; at most the bound stays alive.
        Assert.That(classifier.CurrentGeneration.LiveEngines, Is.InRange(1, 2));
    }

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void Reload_swaps_and_a_running_call_finishes_on_its_model(string extension)
    {
        var path = TestModels.Write(_folder.Path, flipped: false, extension);
        using var classifier = MalariaClassifier.Load(path, FastOptions());
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        var firstVersion = classifier.Version;
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Parasitized"));
        ModelReloadedEventArgs? reloaded = null;
        classifier.Reloaded += (_, e) => reloaded = e;

        // A call "in flight": it holds the old generation and one of its engines across the reload.
        var old = classifier.Acquire();
        var engine = old.Rent();
        AtomicFile.WriteAllBytes(path, extension == ".zip" ? TestModels.Zip(flipped: true) : TestModels.Onnx(flipped: true));
        Assert.That(classifier.Reload(), Is.True);

        Assert.That(reloaded, Is.Not.Null);
        Assert.That(reloaded!.Previous.Version, Is.EqualTo(firstVersion));
        Assert.That(reloaded.Current.Version, Is.EqualTo(classifier.Version).And.Not.EqualTo(firstVersion));
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Uninfected"), "new calls use the new model");
        Assert.That(old.IsDisposed, Is.False, "the old model lives while a call holds it");
        Assert.That(engine.Engine.Score(red, views: 1)[0], Is.GreaterThan(0.5f), "the running call still scores with the old model");
        Assert.Throws<InvalidOperationException>(() => classifier.CurrentGeneration.Return(engine), "an old engine is never pooled in the new generation");
        old.Return(engine);
        old.Release();
        Assert.That(old.IsDisposed, Is.True, "the old model is disposed after its last call");
        Assert.That(old.LiveEngines, Is.Zero, "and so are all its engines");
    }

    [Test]
    public void Reloading_an_unchanged_file_keeps_the_generation()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        using var classifier = MalariaClassifier.Load(path, FastOptions());
        var generation = classifier.CurrentGeneration;
        var events = 0;
        classifier.Reloaded += (_, _) => events++;
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.That(classifier.Reload(), Is.True);
        Assert.That(classifier.CurrentGeneration, Is.SameAs(generation));
        Assert.That(events, Is.Zero);
    }

    [Test]
    public void Reload_retries_while_the_writer_holds_the_file_locked()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        var logger = new ListLogger();
        using var classifier = MalariaClassifier.Load(path, FastOptions(), logger: logger);
        var flipped = TestModels.Zip(flipped: true);
        Task<bool> reload;
        // .NET enforces FileShare.None between handles (flock on Unix), like a writer on Windows would.
        using (var writer = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            writer.Write(flipped);
            writer.Flush();
            reload = Task.Run(classifier.Reload);
            Thread.Sleep(250);
            Assert.That(reload.IsCompleted, Is.False, "the reload waits for the lock");
        }
        Assert.That(reload.Wait(TimeSpan.FromSeconds(10)) && reload.Result, Is.True);
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Uninfected"));
        Assert.That(logger.Entries.Any(e => e.Level == LogLevel.Debug && e.Message.Contains("busy")), Is.True);
    }

    [Test]
    public void A_file_that_fails_to_load_leaves_the_current_model_serving_and_is_logged()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        var logger = new ListLogger();
        using var classifier = MalariaClassifier.Load(path, FastOptions(), logger: logger);
        var version = classifier.Version;
        ModelReloadFailedEventArgs? failed = null;
        classifier.ReloadFailed += (_, e) => failed = e;
        File.WriteAllText(path, "half a zip");

        Assert.That(classifier.Reload(), Is.False);
        Assert.That(classifier.Version, Is.EqualTo(version));
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Parasitized"));
        Assert.That(failed!.StillServing.Version, Is.EqualTo(version));
        Assert.That(failed.Error, Is.InstanceOf<ModelLoadException>());
        Assert.That(logger.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains(path) && e.Message.Contains("keeps serving")), Is.True,
            string.Join("\n", logger.Entries.Select(e => e.Message)));
    }

    [Test]
    public void Watched_file_reloads_after_it_settles_and_survives_a_bad_write()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        var logger = new ListLogger();
        using var pool = new MalariaPredictionEnginePool(FastOptions(), new LoggerFactoryOf(logger)).FromFile("cells", path, watchForChanges: true);
        var classifier = pool.GetClassifier("cells");
        var firstVersion = classifier.Version;
        using var reloaded = new SemaphoreSlim(0);
        using var failed = new SemaphoreSlim(0);
        pool.Reloaded += (_, _) => reloaded.Release();
        pool.ReloadFailed += (_, _) => failed.Release();

        // A bad file: logged, the old model keeps serving.
        File.WriteAllText(path, "garbage");
        Assert.That(failed.Wait(TimeSpan.FromSeconds(15)), Is.True, "the failed reload is reported");
        Assert.That(classifier.Version, Is.EqualTo(firstVersion));

        // A slow, non-atomic copy: written in two halves with a pause longer than the debounce.
        var flipped = TestModels.Zip(flipped: true);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read))
        {
            stream.Write(flipped, 0, flipped.Length / 2);
            stream.Flush();
            Thread.Sleep(400);
            stream.Write(flipped, flipped.Length / 2, flipped.Length - flipped.Length / 2);
        }
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (classifier.Version == firstVersion && DateTime.UtcNow < deadline) reloaded.Wait(TimeSpan.FromMilliseconds(200));
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(pool.Classify("cells", red).Label, Is.EqualTo("Uninfected"), "the complete new file serves");
        Assert.That(pool.GetVersion("cells"), Is.Not.EqualTo(firstVersion));
        Assert.That(classifier.LoadedAt, Is.GreaterThan(DateTimeOffset.UtcNow.AddSeconds(-20)));
    }

    /// <summary>Hands one logger to every category.</summary>
    private sealed class LoggerFactoryOf(ListLogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }
}
