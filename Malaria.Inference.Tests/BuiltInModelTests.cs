using Malaria.Inference;

namespace Malaria.Inference.Tests;

/// <summary>The built-in model loads from memory: it writes nothing, so it works with no usable temporary folder.</summary>
[NonParallelizable]  // changes TMPDIR for the process
public sealed class BuiltInModelTests
{
    [Test]
    public void Loads_and_classifies_with_no_writable_temporary_folder()
    {
        var saved = Environment.GetEnvironmentVariable("TMPDIR");
        // As in a container with a read-only root file system: the temporary folder does not exist.
        Environment.SetEnvironmentVariable("TMPDIR", "/nonexistent/malaria-tests/readonly");
        try
        {
            Assert.That(Directory.Exists(Path.GetTempPath()), Is.False, "the test must point the temp folder nowhere");
            using var classifier = MalariaClassifier.LoadDefault();
            Assert.That(classifier.Classify(TestImages.Png(TestImages.Tint.Red, 120, 110)).ScoreVector.Sum(), Is.EqualTo(1f).Within(1e-4f));
            Assert.That(classifier.ModelPath, Is.Null, "no file is behind the built-in model");
            Assert.That(classifier.Model.Path, Does.StartWith("built-in:"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", saved);
        }
    }

    [Test]
    public void Reloading_the_built_in_model_keeps_it()
    {
        using var classifier = MalariaClassifier.LoadDefault();
        var generation = classifier.CurrentGeneration;
        Assert.That(classifier.Reload(), Is.True);
        Assert.That(classifier.CurrentGeneration, Is.SameAs(generation));
        Assert.That(classifier.LastReloadFailure, Is.Null);
    }
}
