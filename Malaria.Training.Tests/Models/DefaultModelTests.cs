using Malaria.Inference;
using Malaria.Training.Data;

namespace Malaria.Training.Tests.Models;

/// <summary>The model shipped inside the package: loads with no file from the caller, and does what its card says.</summary>
public class DefaultModelTests
{
    [Test]
    public void LoadsFromThePackageAndClassifiesAndExplains()
    {
        using var classifier = MalariaClassifier.LoadDefault();
        Assert.That(classifier.Labels, Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
        Assert.That((classifier.Model.InputWidth, classifier.Model.InputHeight), Is.EqualTo((64, 64)));
        Assert.That(classifier.Model.Card.MetricsPart, Is.EqualTo("test"));
        Assert.That(classifier.Model.Card.Metrics!["accuracy"], Is.GreaterThan(0.9));
        var prediction = classifier.Classify(TestImages.Png(TestImages.Tint.Red, 120, 110));
        Assert.That(prediction.ScoreVector.Sum(), Is.EqualTo(1f).Within(1e-4f));
        Assert.That(classifier.CanExplain, Is.True);
    }

    /// <summary>The CI check of the shipped file against its card: the same test part, the same numbers.</summary>
    [Test, Category("RealData")]
    public void ReproducesItsCardsTestMetricsOnTheSeed42TestPatients()
    {
        var dataset = ImageFolderDataset.Load(SharedData.MalariaImages);
        var test = PatientSplitter.Split(dataset.Images, seed: 42).Where(e => e.Part == SplitPart.Test).Select(e => e.Image).ToList();
        using var classifier = MalariaClassifier.LoadDefault();
        var card = classifier.Model.Card;
        Assert.That(card.Properties!["testImages"], Is.EqualTo(test.Count.ToString()));

        // The card's figures are those of the views it recommends (the library scores one view unless asked).
        var views = card.Views?.Recommended == 8 ? ScoringViews.Dihedral : ScoringViews.Single;
        var predictions = classifier.ClassifyBatch(test.Select(i => i.Path), views);
        var correct = predictions.Zip(test).Count(p => p.First.Label == p.Second.Label);
        var truePositives = predictions.Zip(test).Count(p => p.First.IsParasitized && p.Second.Label == "Parasitized");
        var positives = test.Count(i => i.Label == "Parasitized");
        TestContext.Out.WriteLine($"default model: {correct}/{test.Count} correct, recall {truePositives}/{positives}");
        Assert.That(correct / (double)test.Count, Is.EqualTo(card.Metrics!["accuracy"]).Within(1e-9));
        Assert.That(truePositives / (double)positives, Is.EqualTo(card.Metrics["recall"]).Within(1e-9));
    }
}
