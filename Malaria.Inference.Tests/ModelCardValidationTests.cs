using Malaria.Inference;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;

namespace Malaria.Inference.Tests;

/// <summary>
/// A card whose labels would break predictions later (null, blank, repeated, a positive label that is not one of
/// them) is refused when the model loads, and a reload to such a card fails cleanly: the old model keeps serving.
/// </summary>
public sealed class ModelCardValidationTests
{
    private static readonly string[] BadCards =
    [
        """{ "labels": null, "inputWidth": 16, "inputHeight": 16 }""",
        """{ "labels": ["Parasitized", "Parasitized"], "inputWidth": 16, "inputHeight": 16 }""",
        """{ "labels": ["Parasitized", null], "inputWidth": 16, "inputHeight": 16 }""",
        """{ "labels": ["Parasitized", " "], "inputWidth": 16, "inputHeight": 16 }""",
        """{ "labels": ["Infected", "Uninfected"], "inputWidth": 16, "inputHeight": 16 }""",
        """{ "labels": ["Parasitized", "Uninfected"], "positiveLabel": null, "inputWidth": 16, "inputHeight": 16 }""",
        "null",
    ];

    [TestCaseSource(nameof(BadCards))]
    public void A_bad_card_is_refused_at_load_naming_it(string json)
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        File.WriteAllText(ModelCard.PathBeside(path), json);
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!;
        Assert.That(error.Message, Does.Contain("model.json"));
    }

    [TestCaseSource(nameof(BadCards))]
    public void A_reload_to_a_bad_card_fails_and_the_old_model_keeps_serving(string json)
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        using var classifier = MalariaClassifier.Load(path);
        var version = classifier.Version;
        ModelReloadFailedEventArgs? failed = null;
        classifier.ReloadFailed += (_, e) => failed = e;

        File.WriteAllText(ModelCard.PathBeside(path), json);
        Assert.That(classifier.Reload(), Is.False);
        Assert.That(failed, Is.Not.Null, "ReloadFailed is raised");
        Assert.That(failed!.Error, Is.InstanceOf<ModelLoadException>());
        Assert.That(classifier.LastReloadFailure?.Message, Does.Contain("model.json"));
        Assert.That(classifier.Version, Is.EqualTo(version));
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(classifier.Classify(red).Scores["Parasitized"], Is.GreaterThan(0.5f), "predictions still map to the old card's labels");
    }
}
