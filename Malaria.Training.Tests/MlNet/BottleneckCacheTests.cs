using Malaria.Training.Data;
using Malaria.Training.MlNet;
using Microsoft.ML;

namespace Malaria.Training.Tests.MlNet;

public class BottleneckCacheTests
{
    [Test]
    public void SavedEntriesComeBackAndAnotherFingerprintIsRefused()
    {
        using var folder = new TempFolder();
        var fingerprint = BottleneckCache.FingerprintOf("abc", "resize 224");
        var cache = BottleneckCache.Open(folder.Path, fingerprint, featureCount: 3);
        cache.Add("file:1", [1f, 2f, 3f]);
        cache.Save();

        var reopened = BottleneckCache.Open(folder.Path, fingerprint, featureCount: 3);
        Assert.That(reopened.TryGet("file:1", out var features), Is.True);
        Assert.That(features, Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(Directory.GetFiles(folder.Path), Has.Length.EqualTo(1), "no temporary file is left behind");

        // A different preprocessing gives a different fingerprint and therefore a fresh, empty cache file.
        var other = BottleneckCache.Open(folder.Path, BottleneckCache.FingerprintOf("abc", "resize 160"), featureCount: 3);
        Assert.That(other.Count, Is.Zero);
        Assert.That(other.FilePath, Is.Not.EqualTo(cache.FilePath));
    }

    [Test]
    public void ACorruptCacheFileIsReportedByName()
    {
        using var folder = new TempFolder();
        var fingerprint = BottleneckCache.FingerprintOf("abc", "x");
        var cache = BottleneckCache.Open(folder.Path, fingerprint, 2);
        cache.Add("k", [1f, 2f]);
        cache.Save();
        File.WriteAllBytes(cache.FilePath, [1, 2, 3]);
        var ex = Assert.Throws<InvalidDataException>(() => BottleneckCache.Open(folder.Path, fingerprint, 2));
        Assert.That(ex!.Message, Does.Contain(cache.FilePath));
    }

    [Test]
    public void FeaturesAreReusedAndAChangedFileIsRecomputed()
    {
        var backbone = SharedData.MobileNetV2Onnx;
        using var folder = new TempFolder();
        var images = new[]
        {
            new LabeledImage(folder.Write("A/red.png", TestImages.Png(TestImages.Tint.Red, 40, 40, seed: 1)), "A", "C1"),
            new LabeledImage(folder.Write("A/green.png", TestImages.Png(TestImages.Tint.Red, 40, 40, seed: 2)), "A", "C2"),
            new LabeledImage(folder.Write("B/blue.png", TestImages.Png(TestImages.Tint.Blue, 40, 40, seed: 3)), "B", "C3"),
        };
        var mlContext = new MLContext(1);
        var options = new MobileNetV2FeaturesTrainer.Options
        {
            BackbonePath = backbone,
            WorkspacePath = folder.Combine("cache"),
            ImagePathColumnName = LabeledImageData.ImagePathColumnName,
        };
        BottleneckFeatures Featurize() =>
            new BottleneckFeaturizer(mlContext, options).Featurize(LabeledImageData.Load(mlContext, images, ["A", "B"]), "test");

        var first = Featurize();
        Assert.That((first.Computed, first.FromCache), Is.EqualTo((3, 0)));
        Assert.That(first.LabelKeys, Is.EqualTo(new uint[] { 1, 1, 2 }));

        var second = Featurize();
        Assert.That((second.Computed, second.FromCache), Is.EqualTo((0, 3)));
        Assert.That(second.Features[2], Is.EqualTo(first.Features[2]));

        File.WriteAllBytes(images[2].Path, TestImages.Png(TestImages.Tint.Blue, 40, 40, seed: 4));
        var third = Featurize();
        Assert.That((third.Computed, third.FromCache), Is.EqualTo((1, 2)), "only the edited file goes through the backbone");
        Assert.That(third.Features[2], Is.Not.EqualTo(first.Features[2]));
        Assert.That(third.Features[0], Is.EqualTo(first.Features[0]));
    }
}
