using Malaria.Inference;
using Malaria.Training.Data;

namespace Malaria.Training.Tests.Models;

/// <summary>
/// Runs the real MobileNetV2 transfer-learning model (from <c>train --trainer mobilenetv2-features --out artifacts/RUN</c>)
/// through the library on NIH images. The model is found through <c>MALARIA_MODEL</c> (a model.zip or .onnx path) or
/// as the newest <c>artifacts/**/model.zip</c> with a model.json beside it; without one the test is Ignored.
/// </summary>
[Category("RealData")]
public sealed class RealModelTests
{
    [Test]
    public void Real_model_classifies_nih_cells()
    {
        var modelPath = FindModel();
        if (modelPath is null)
            Assert.Ignore("No trained model: set MALARIA_MODEL, or run `dotnet run --project Malaria.Training -- train --trainer mobilenetv2-features --data ../shared/datasets/malaria/cell_images --out artifacts/RUN` first.");
        var images = SharedData.MalariaImages;

        using var classifier = MalariaClassifier.Load(modelPath!);
        Assert.That(classifier.Labels, Is.EquivalentTo(new[] { "Parasitized", "Uninfected" }));
        // 20 cells per label, spread over the list: from the test part (held-out patients) of the split.csv beside
        // the model when there is one, else from the whole folder.
        var splitPath = Path.Combine(Path.GetDirectoryName(modelPath!)!, "split.csv");
        var heldOut = File.Exists(splitPath);
        var candidates = heldOut
            ? SplitFile.Read(splitPath).Where(e => e.Part == SplitPart.Test && File.Exists(e.Image.Path)).Select(e => (e.Image.Path, e.Image.Label)).ToList()
            : classifier.Labels.SelectMany(label => Directory.GetFiles(Path.Combine(images, label), "*.png").Select(p => (Path: p, Label: label))).ToList();
        var sample = classifier.Labels.SelectMany(label =>
        {
            var files = candidates.Where(c => c.Label == label).Select(c => c.Path).Order(StringComparer.Ordinal).ToArray();
            return Enumerable.Range(0, 20).Select(i => (Path: files[i * files.Length / 20], Label: label));
        }).ToList();

        var predictions = classifier.ClassifyBatch(sample.Select(s => s.Path));
        var correct = predictions.Zip(sample).Count(p => p.First.Label == p.Second.Label);
        TestContext.Out.WriteLine($"{modelPath}: {correct}/{sample.Count} correct on {(heldOut ? "held-out test patients" : "the whole folder")} (version {classifier.Version[..12]})");
        for (var i = 0; i < 4; i++)
            Assert.That(classifier.Classify(sample[i].Path).ScoreVector, Is.EqualTo(predictions[i].ScoreVector).Within(1e-4f), "single and batch agree");
        // The trainer targets >= 94% on held-out patients; 40 cells give a noisy estimate, so this is a sanity floor.
        Assert.That(correct, Is.GreaterThanOrEqualTo(32), "at least 80% of 40 NIH cells");
    }

    internal static string? FindModel()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MALARIA_MODEL");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Malaria.sln"))) continue;
            var artifacts = Path.Combine(dir.FullName, "artifacts");
            if (!Directory.Exists(artifacts)) return null;
            return Directory.EnumerateFiles(artifacts, "model.zip", SearchOption.AllDirectories)
                .Where(p => File.Exists(ModelCard.PathBeside(p)))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
        }
        return null;
    }
}
