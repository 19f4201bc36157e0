using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Malaria.Inference.Tests.Pooling;

/// <summary>Reload events reach every handler even when one throws; a model whose watcher cannot start is released.</summary>
public sealed class ReloadEventTests
{
    [Test]
    public void A_throwing_pool_handler_does_not_stop_the_handlers_after_it()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        using var pool = new MalariaPredictionEnginePool().FromFile("cells", path);
        var reached = new List<string>();
        pool.Reloaded += (_, _) => throw new InvalidOperationException("a broken handler");
        pool.Reloaded += (_, e) => reached.Add(e.ModelName);
        pool.ReloadFailed += (_, _) => throw new InvalidOperationException("a broken handler");
        pool.ReloadFailed += (_, e) => reached.Add("failed " + e.ModelName);

        AtomicFile.WriteAllBytes(path, TestModels.Zip(flipped: true));
        Assert.That(pool.Reload("cells"), Is.True, "the reload itself succeeds");
        File.WriteAllText(path, "garbage");
        Assert.That(pool.Reload("cells"), Is.False);

        Assert.That(reached, Is.EqualTo(new[] { "cells", "failed cells" }));
    }

    [Test]
    public void A_model_whose_watcher_cannot_start_is_disposed()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        ModelGeneration? loaded = null;
        var error = Assert.Throws<IOException>(() => new ServingModel("cells", ModelSource.FromFile(path), new MalariaClassifierOptions(), NullLogger.Instance,
            watchForChanges: true, _ => { }, _ => { },
            createWatcher: (_, _, onSettled, _) =>
            {
                // The callback is bound to the half-built serving model: keep its generation to check it afterwards.
                loaded = ((ServingModel)onSettled.Target!).CurrentGeneration;
                throw new IOException("The configured user limit on the number of inotify instances has been reached.");
            }))!;
        Assert.That(error.Message, Does.Contain("inotify"), "the cause reaches the caller");
        Assert.That(loaded, Is.Not.Null);
        Assert.That(loaded!.IsDisposed, Is.True, "the model loaded before the watcher failed is released");
    }
}
