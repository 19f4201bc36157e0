using Malaria.Inference;
using Malaria.Inference.Pooling;

namespace Malaria.Inference.Tests.Pooling;

/// <summary>
/// A new <c>model.json</c> beside an unchanged model is a new model: the labels decide what a score means. Before the
/// card was part of the version, a card deployed a moment after its model was never applied.
/// </summary>
public sealed class CardOnlyReloadTests
{
    [Test]
    public void A_changed_card_alone_is_reloaded_and_changes_the_version()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false, ".onnx");  // a zip carries its own label order
        using var classifier = MalariaClassifier.Load(path);
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Parasitized"));
        var version = classifier.Version;

        var card = TestModels.Card();
        card.Labels = ["Uninfected", "Parasitized"];  // the same scores, read the other way round
        card.Save(ModelCard.PathBeside(path));
        Assert.That(classifier.Reload(), Is.True);

        Assert.That(classifier.Version, Is.Not.EqualTo(version));
        Assert.That(classifier.Labels, Is.EqualTo(new[] { "Uninfected", "Parasitized" }));
        Assert.That(classifier.Classify(red).Label, Is.EqualTo("Uninfected"), "the new card serves");
    }

    [Test]
    public void A_watched_model_picks_up_a_card_written_after_its_model()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false, ".onnx");  // a zip carries its own label order
        var options = new MalariaClassifierOptions { ReloadDebounce = TimeSpan.FromMilliseconds(100), ReloadRetryDelay = TimeSpan.FromMilliseconds(20) };
        using var classifier = MalariaClassifier.Load(path, options, watchForChanges: true);
        using var reloaded = new SemaphoreSlim(0);
        classifier.Reloaded += (_, _) => reloaded.Release();

        var card = TestModels.Card();
        card.Labels = ["Uninfected", "Parasitized"];
        card.Save(ModelCard.PathBeside(path));
        Assert.That(reloaded.Wait(TimeSpan.FromSeconds(15)), Is.True, "the card change is reloaded");
        Assert.That(classifier.Labels[0], Is.EqualTo("Uninfected"));
    }
}
