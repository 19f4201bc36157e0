using Malaria.Inference;
using Malaria.Inference.Tests;
using Malaria.Training.Tests.Export;
using Malaria.Training;

namespace Malaria.Training.Tests.Explainability;

/// <summary>Explain through the classifier, for an exported network (bare ONNX and its ML.NET zip) and for a model without maps.</summary>
public class ExplainTests
{
    private const int Size = 32;

    private static (TempFolder Folder, string Onnx, string Zip) ExportedCnn()
    {
        var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 5);
        var (onnx, zip) = OnnxExportFixture.WritePackage(model, folder.Path, Size);
        return (folder, onnx, zip);
    }

    [Test]
    public void HeatmapHasTheImageSizeAndMatchesThePrediction()
    {
        var (folder, onnx, zip) = ExportedCnn();
        using var _ = folder;
        var image = folder.Write("cell.png", TestImages.Png(TestImages.Tint.Red, 40, 48, seed: 9));
        foreach (var path in new[] { onnx, zip })
        {
            using var classifier = MalariaClassifier.Load(path);
            Assert.That(classifier.CanExplain, Is.True, path);
            var explanation = classifier.Explain(image);
            var prediction = classifier.Classify(image);

            Assert.That(explanation.Prediction.Label, Is.EqualTo(prediction.Label), path);
            Assert.That(explanation.Prediction.Confidence, Is.EqualTo(prediction.Confidence).Within(1e-5f), path);
            Assert.That(explanation.TargetLabel, Is.EqualTo(prediction.Label));
            Assert.That((explanation.Heatmap.Width, explanation.Heatmap.Height), Is.EqualTo((40, 48)), path);
            Assert.That(explanation.Heatmap.Values, Is.All.InRange(0f, 1f), path);
            var png = explanation.ToOverlayPng();
            Assert.That(Malaria.Inference.Imaging.ImageHeaderReader.Read(png, "overlay").Width, Is.EqualTo(40));
        }
    }

    [Test]
    public void EachLabelHasItsOwnMapAndAnUnknownLabelIsAClearError()
    {
        var (folder, onnx, _) = ExportedCnn();
        using var __ = folder;
        var image = folder.Write("cell.png", TestImages.Png(TestImages.Tint.Blue, Size, Size, seed: 4));
        using var classifier = MalariaClassifier.Load(onnx);
        var first = classifier.Explain(image, "Parasitized");
        var second = classifier.Explain(image, "Uninfected");
        Assert.That(first.TargetLabel, Is.EqualTo("Parasitized"));
        Assert.That(second.TargetLabel, Is.EqualTo("Uninfected"));
        Assert.That(first.Heatmap.Values, Is.Not.EqualTo(second.Heatmap.Values));
        var ex = Assert.Throws<ArgumentException>(() => classifier.Explain(image, "Gametocyte"));
        Assert.That(ex!.Message, Does.Contain("Gametocyte").And.Contain("Parasitized"));
    }

    [Test]
    public void AModelWithoutMapsSaysSo()
    {
        using var folder = new TempFolder();
        foreach (var extension in new[] { ".zip", ".onnx" })
        {
            var path = TestModels.Write(folder.Path, flipped: false, extension);
            using var classifier = MalariaClassifier.Load(path);
            Assert.That(classifier.CanExplain, Is.False, extension);
            var ex = Assert.Throws<NotSupportedException>(() => classifier.Explain(TestImages.Decoded(TestImages.Tint.Red)));
            Assert.That(ex!.Message, Does.Contain(path), extension);
            // The engine stays usable after the refusal.
            Assert.That(classifier.Classify(TestImages.Decoded(TestImages.Tint.Red)).Label, Is.EqualTo("Parasitized"));
        }
    }

    [Test]
    public void ExplainCommandWritesOneOverlayPerImage()
    {
        var (folder, _, zip) = ExportedCnn();
        using var __ = folder;
        var a = folder.Write("a.png", TestImages.Png(TestImages.Tint.Red, 30, 30, seed: 1));
        var b = folder.Write("b.jpg", TestImages.Jpeg(TestImages.Tint.Blue, 36, 30, seed: 2));
        var output = folder.Combine("overlays");
        Assert.That(CommandLineApp.Run(["explain", "--model", zip, "--image", a, b, "--out", output]), Is.Zero);
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "a.gradcam.png", "b.gradcam.png" }));
        Assert.That(Malaria.Inference.Imaging.ImageHeaderReader.Read(File.ReadAllBytes(Path.Combine(output, "b.gradcam.png")), "b").Width, Is.EqualTo(36));
    }
}
