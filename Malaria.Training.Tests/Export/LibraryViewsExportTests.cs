using Malaria.Inference;
using Malaria.Training.Export;
using Microsoft.ML.Data;

namespace Malaria.Training.Tests.Export;

/// <summary>
/// Views moved from the graph to the library: the same weights exported as the old view-averaging graph and as the new
/// one-view graph, the latter scored by the library with 8 views, give the same probabilities and Grad-CAM maps; one
/// view is the graph's own output.
/// </summary>
public class LibraryViewsExportTests
{
    [TestCase("cnn", 64)]
    [TestCase("mobilenetv2", 96)]
    public void TheOneViewGraphWithLibraryViewsScoresAndExplainsAsTheViewAveragingGraph(string architecture, int size)
    {
        const int count = 4;
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create(architecture, seed: 31);
        var pixels = OnnxExportFixture.Pixels(count, size, seed: 12);
        OnnxExportFixture.CentreDecisions(model, pixels, count, size);

        var oldPath = folder.Combine("old", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(oldPath)!);
        TorchOnnxExporter.Save(model, OnnxExportFixture.Labels, size, oldPath, viewsInGraph: true);
        // The old exporter's card: views recorded only as the property.
        new ModelCard { Labels = OnnxExportFixture.Labels, InputWidth = size, InputHeight = size, Trainer = architecture, Properties = new Dictionary<string, string> { ["views"] = "8" } }
            .Save(ModelCard.PathBeside(oldPath));
        var newPath = folder.Combine("new", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(newPath)!);
        var files = OnnxModelPackage.Write(model, OnnxExportFixture.Labels, size, newPath, new ModelCard { Trainer = architecture }, averageViews: true);

        var card = ModelCard.Load(files.Card);
        Assert.That((card.Views?.InGraph, card.Views?.Recommended), Is.EqualTo(((int?)1, (int?)8)), "a one-view graph that recommends 8");
        Assert.That(card.Properties!.ContainsKey("views"), Is.False, "the old property would say the graph averages them");

        var options = new MalariaClassifierOptions { FrameCrops = false };
        using var old = MalariaClassifier.Load(oldPath, options);
        using var onnx = MalariaClassifier.Load(files.Onnx, options);
        using var zip = MalariaClassifier.Load(files.Zip, options);
        using var session = OnnxExportFixture.Session(model, size);
        var single = OnnxExportFixture.Run(session, pixels, count, size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];
        var labels = OnnxExportFixture.Labels.Length;
        var differences = 0;
        for (var i = 0; i < count; i++)
        {
            using var image = ToImage(pixels, i, size);
            var expected = old.Classify(image);
            var eight = onnx.Classify(image, ScoringViews.Dihedral);
            Assert.That(expected.ScoredViews, Is.EqualTo(8));
            Assert.That(eight.ScoredViews, Is.EqualTo(8));
            Assert.That(eight.ScoreVector, Is.EqualTo(expected.ScoreVector).Within(1e-5), $"image {i}: library views = graph views");
            Assert.That(zip.Classify(image, ScoringViews.Dihedral).ScoreVector, Is.EqualTo(expected.ScoreVector).Within(1e-5), $"image {i}: through the zip");

            var one = onnx.Classify(image);
            Assert.That(one.ScoredViews, Is.EqualTo(1));
            Assert.That(one.ScoreVector, Is.EqualTo(single.Skip(i * labels).Take(labels)).Within(1e-5), $"image {i}: one view is the graph's output");
            if (Math.Abs(one.ScoreVector[0] - eight.ScoreVector[0]) > 1e-4) differences++;

            foreach (var target in OnnxExportFixture.Labels)
            {
                var oldMap = old.Explain(image, target).Heatmap.Values;
                var newMap = onnx.Explain(image, target, ScoringViews.Dihedral);
                Assert.That(newMap.Heatmap.Values, Is.EqualTo(oldMap).Within(1e-4), $"image {i}, {target}: Grad-CAM of the averaged logit");
                Assert.That(newMap.Prediction.ScoreVector, Is.EqualTo(expected.ScoreVector).Within(1e-5));
            }
        }
        Assert.That(differences, Is.GreaterThan(0), "the views change some scores, so the comparison is not between identical one-view outputs");
    }

    /// <summary>Image <paramref name="index"/> of planar [n,3,S,S] pixel values 0..255 as a BGRA image.</summary>
    private static MLImage ToImage(float[] pixels, int index, int size)
    {
        var plane = size * size;
        var bgra = new byte[plane * 4];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++) bgra[p * 4 + (2 - c)] = (byte)pixels[(index * 3 + c) * plane + p];
            bgra[p * 4 + 3] = 255;
        }
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, bgra);
    }
}
