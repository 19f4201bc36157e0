using System.Text.Json;
using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;
using Malaria.Training.Tests.Commands;

namespace Malaria.Training.Tests.MlNet;

/// <summary>The train and evaluate commands end to end on a small generated folder, and their one-line errors.</summary>
[NonParallelizable]
public class TrainAndEvaluateCommandTests
{
    private static (int Code, string Error) Run(params string[] args) => Cli.Run(args);

    [Test]
    public void AMissingBackboneIsOneLineNamingTheFile()
    {
        using var tree = new TempFolder();
        tree.Write("data/A/C1_x.png", TestImages.Png(TestImages.Tint.Red));
        var (code, error) = Run("train", "--data", tree.Combine("data"), "--out", tree.Combine("run"), "--backbone", "/no/such/backbone.onnx");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.StartWith("error: ").And.Contain("/no/such/backbone.onnx"));
    }

    [Test]
    public void EvaluatingAMissingModelIsOneLineNamingTheFile()
    {
        using var tree = new TempFolder();
        tree.Write("data/A/C1_x.png", TestImages.Png(TestImages.Tint.Red));
        var (code, error) = Run("evaluate", "--model", tree.Combine("nothing.zip"), "--data", tree.Combine("data"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain("nothing.zip"));
    }

    [Test]
    public void EvaluatingTheShippedModelScoresWhatLoadDefaultClassifies()
    {
        using var tree = new TempFolder();
        for (var p = 0; p < 4; p++)
        {
            tree.Write($"data/Parasitized/C{p}P1_cell_1.png", TestImages.Png(TestImages.Tint.Red, 64, 64, seed: 3 * p));
            tree.Write($"data/Uninfected/C{p}P1_cell_2.png", TestImages.Png(TestImages.Tint.Blue, 64, 64, seed: 3 * p + 1));
            tree.Write($"data/Uninfected/C{p}P1_cell_3.png", TestImages.Png(TestImages.Tint.Red, 60, 66, seed: 3 * p + 2));
        }
        var report = tree.Combine("report");
        var (code, error) = Run("evaluate", "--model", "default", "--data", tree.Combine("data"), "--out", report);
        Assert.That(code, Is.Zero, error);

        using var classifier = MalariaClassifier.LoadDefault();
        var images = Directory.GetFiles(tree.Combine("data"), "*.png", SearchOption.AllDirectories);
        var right = images.Count(path => classifier.Classify(path).Label == Path.GetFileName(Path.GetDirectoryName(path)));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        Assert.That(metrics.RootElement.GetProperty("accuracy").GetDouble(), Is.EqualTo((double)right / images.Length).Within(1e-9));
        var intervals = metrics.RootElement.GetProperty("intervals");
        Assert.That(intervals.GetProperty("unit").GetString(), Is.EqualTo("group"));
        Assert.That(intervals.GetProperty("units").GetInt32(), Is.EqualTo(4));
        Assert.That(File.ReadAllText(Path.Combine(report, "report.md")), Does.Contain("- trainer: cnn").And.Contain("95 % interval"));
    }

    [Test]
    public void TrainThenEvaluateWritesTheRunFolder()
    {
        var backbone = SharedData.MobileNetV2Onnx;
        using var tree = new TempFolder();
        // Noisy red "Parasitized" and blue "Uninfected" images from 10 patients: easy, but real images through the real backbone.
        for (var p = 0; p < 10; p++)
        {
            tree.Write($"data/Parasitized/C{p}P1_cell_1.png", TestImages.Png(TestImages.Tint.Red, 48, 48, seed: 4 * p));
            tree.Write($"data/Parasitized/C{p}P1_cell_2.png", TestImages.Png(TestImages.Tint.Red, 52, 44, seed: 4 * p + 1));
            tree.Write($"data/Uninfected/C{p}P1_cell_3.png", TestImages.Png(TestImages.Tint.Blue, 48, 48, seed: 4 * p + 2));
            tree.Write($"data/Uninfected/C{p}P1_cell_4.png", TestImages.Png(TestImages.Tint.Blue, 44, 52, seed: 4 * p + 3));
        }
        var run = tree.Combine("run");
        var (code, error) = Run("train", "--trainer", "mobilenetv2-features", "--data", tree.Combine("data"), "--out", run,
            "--backbone", backbone, "--workspace", tree.Combine("cache"), "--seed", "3");
        Assert.That(code, Is.Zero, error);
        foreach (var file in new[] { "model.zip", "model.json", "split.csv", "metrics.json", "report.md", "confusion-matrix.png", "roc-curve.png" })
            Assert.That(File.Exists(Path.Combine(run, file)), Is.True, file);
        Assert.That(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temporary files left");

        var card = ModelCard.Load(Path.Combine(run, "model.json"));
        Assert.That(card.Labels, Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
        Assert.That((card.InputWidth, card.InputHeight), Is.EqualTo((224, 224)));
        Assert.That(card.BackboneSha256, Has.Length.EqualTo(64));
        Assert.That(card.SplitSha256, Has.Length.EqualTo(64));
        Assert.That(card.Seed, Is.EqualTo(3));
        Assert.That(card.Metrics!.Keys, Is.SupersetOf(new[] { "accuracy", "auc", "precision", "recall", "f1", "specificity" }));
        var split = SplitFile.Read(Path.Combine(run, "split.csv"));
        var trainGroups = split.Where(e => e.Part == SplitPart.Train).Select(e => e.Image.Group).Distinct().Order(StringComparer.Ordinal);
        Assert.That(card.Properties![TrainingGroups.GroupsProperty], Is.EqualTo(string.Join(',', trainGroups)), "the card records the training patients");
        Assert.That(card.Properties, Contains.Key(TrainingGroups.Sha256Property));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        foreach (var key in new[] { "accuracy", "precision", "recall", "specificity", "f1", "auc", "logLoss", "confusionMatrix" })
            Assert.That(metrics.RootElement.TryGetProperty(key, out _), Is.True, key);
        Assert.That(metrics.RootElement.GetProperty("part").GetString(), Is.EqualTo("test"));

        // The saved model, re-run from scratch through the whole pipeline on the same test part, gives the same numbers.
        var (evalCode, evalError) = Run("evaluate", "--model", Path.Combine(run, "model.zip"), "--split", Path.Combine(run, "split.csv"), "--part", "test");
        Assert.That(evalCode, Is.Zero, evalError);
        using var again = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "evaluate-test", "metrics.json")));
        Assert.That(again.RootElement.GetProperty("accuracy").GetDouble(), Is.EqualTo(metrics.RootElement.GetProperty("accuracy").GetDouble()).Within(1e-9));
        Assert.That(again.RootElement.GetProperty("logLoss").GetDouble(), Is.EqualTo(metrics.RootElement.GetProperty("logLoss").GetDouble()).Within(1e-4));
        Assert.That(File.ReadAllText(Path.Combine(run, "evaluate-test", "report.md")), Does.Not.Contain("Warning"), "test patients are not training patients");

        // Scored on its own training part, the model's report says so first.
        var (trainCode, trainError) = Run("evaluate", "--model", Path.Combine(run, "model.zip"), "--split", Path.Combine(run, "split.csv"), "--part", "train");
        Assert.That(trainCode, Is.Zero, trainError);
        Assert.That(File.ReadAllLines(Path.Combine(run, "evaluate-train", "report.md"))[2],
            Does.StartWith($"> **Warning:** {trainGroups.Count()} of the {trainGroups.Count()} evaluated patients"));
    }
}
