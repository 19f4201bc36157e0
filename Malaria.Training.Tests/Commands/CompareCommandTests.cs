using Malaria.Inference;
using Malaria.Training.Commands;
using System.Text.Json;
using Malaria.Inference.Imaging;
using Malaria.Training.Pipelines;
using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Commands;

/// <summary>compare end to end on a small generated folder, with the one quick contender.</summary>
[NonParallelizable]
public class CompareCommandTests
{
    private static void WriteCells(TempFolder tree)
    {
        for (var patient = 0; patient < 20; patient++)
            for (var cell = 0; cell < 4; cell++)
            {
                tree.Write($"data/Parasitized/C{patient}P_cell_{cell}.png", TestImages.Png(TestImages.Tint.Red, 40, 40, seed: patient * 10 + cell));
                tree.Write($"data/Uninfected/C{patient}P_cell_{cell + 4}.png", TestImages.Png(TestImages.Tint.Blue, 40, 40, seed: 500 + patient * 10 + cell));
            }
    }

    [Test]
    public void TrainsMeasuresAndTabulatesEachChosenModel()
    {
        using var tree = new TempFolder();
        WriteCells(tree);
        var output = tree.Combine("compare");

        var (code, error) = Cli.Run("compare", "--data", tree.Combine("data"), "--out", output, "--only", "cnn", "--epochs", "2");

        Assert.That(code, Is.Zero, error);
        var markdown = File.ReadAllText(Path.Combine(output, "compare.md"));
        Assert.That(markdown, Does.Contain("| cnn |"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "compare.json")));
        var row = json.RootElement.EnumerateArray().Single();
        Assert.That(row.GetProperty("name").GetString(), Is.EqualTo("cnn"));
        var accuracy = row.GetProperty("metrics").GetProperty("accuracy").GetDouble();
        Assert.That(accuracy, Is.InRange(0.0, 1.0));
        // The test part's patients resampled: the interval holds the measured accuracy and sits in [0, 1].
        var interval = row.GetProperty("accuracyInterval");
        Assert.That(interval.GetProperty("low").GetDouble(), Is.InRange(0.0, accuracy));
        Assert.That(interval.GetProperty("high").GetDouble(), Is.InRange(accuracy, 1.0));
        Assert.That(row.GetProperty("modelBytes").GetInt64(), Is.GreaterThan(100_000));
        Assert.That(row.GetProperty("singleImageMilliseconds").GetDouble(), Is.GreaterThan(0));
        Assert.That(row.GetProperty("batchImagesPerSecond").GetDouble(), Is.GreaterThan(0));
        Assert.That(File.ReadAllText(Path.Combine(output, "cnn", "report.md")), Does.Contain("## Per group (patient)").And.Not.Contain("Warning"));
        var split = Malaria.Training.Data.SplitFile.Read(Path.Combine(output, "cnn", "split.csv"));
        var trainGroups = split.Where(e => e.Part == Malaria.Training.Data.SplitPart.Train).Select(e => e.Image.Group).Distinct().Order(StringComparer.Ordinal);
        Assert.That(ModelCard.Load(Path.Combine(output, "cnn", ModelCard.FileName)).Properties![Malaria.Training.Evaluation.TrainingGroups.GroupsProperty],
            Is.EqualTo(string.Join(',', trainGroups)), "the network's card records its training patients");
        Assert.That(File.ReadAllLines(Path.Combine(output, "cnn", "per-group.csv"))[0], Does.StartWith("group,images,correct,accuracy"));
        var picture = File.ReadAllBytes(Path.Combine(output, "confusion-matrices.png"));
        Assert.That(ImageHeaderReader.Read(picture, "confusion-matrices.png").Format, Is.EqualTo(ImageFormat.Png));
    }

    [Test]
    public void ReusesAFinishedRunUnlessTheSettingsDifferOrRetrainIsGiven()
    {
        using var tree = new TempFolder();
        WriteCells(tree);
        var output = tree.Combine("compare");
        var card = Path.Combine(output, "cnn", "model.json");
        string[] Compare(params string[] extra) => ["compare", "--data", tree.Combine("data"), "--out", output, "--only", "cnn", .. extra];

        Assert.That(Cli.Run(Compare("--epochs", "1")).Code, Is.Zero);
        var first = File.ReadAllText(card);
        Assert.That(Cli.Run(Compare("--epochs", "1")).Code, Is.Zero);
        Assert.That(File.ReadAllText(card), Is.EqualTo(first), "same split, seed and settings: the finished run is reused");
        Assert.That(File.ReadAllText(Path.Combine(output, "compare.md")), Does.Contain("| cnn |"), "a reused run is still measured and tabulated");

        Assert.That(Cli.Run(Compare("--epochs", "2")).Code, Is.Zero);
        var second = File.ReadAllText(card);
        Assert.That(second, Is.Not.EqualTo(first), "another epoch cap trains again");
        Assert.That(second, Does.Contain("\"epochs\": \"2\""));

        Assert.That(Cli.Run(Compare("--epochs", "2", "--retrain")).Code, Is.Zero);
        Assert.That(File.ReadAllText(card), Is.Not.EqualTo(second), "--retrain trains again");
    }

    [Test]
    public void AFinishedRunMatchesOnlyItsOwnSettings()
    {
        using var tree = new TempFolder();
        var run = FinishedRunFolder(tree);
        new ModelCard
        {
            Labels = ["Parasitized", "Uninfected"], InputWidth = 128, InputHeight = 128, Trainer = "mobilenetv2", SplitSha256 = "abc", Seed = 42,
            Properties = new Dictionary<string, string> { ["freezeBackbone"] = "False", ["epochs"] = "12", ["backboneLrFactor"] = "0.3" },
        }.Save(Path.Combine(run, ModelCard.FileName));

        var same = new ModelComparison.RunSettings("mobilenetv2", false, "abc", 42, null);
        Assert.That(ModelComparison.IsFinished(run, same), Is.True, "the defaults: 128 px, 12 epochs, backbone at 0.3");
        Assert.That(ModelComparison.IsFinished(run, same with { ImageSize = 160 }), Is.False);
        Assert.That(ModelComparison.IsFinished(run, same with { FreezeBackbone = true }), Is.False);
        Assert.That(ModelComparison.IsFinished(run, same with { EpochCap = 3 }), Is.False);
        Assert.That(ModelComparison.IsFinished(run, same with { Seed = 7 }), Is.False);
        Assert.That(ModelComparison.IsFinished(run, same with { SplitSha256 = "def" }), Is.False);
        Assert.That(ModelComparison.IsFinished(run, same with { Trainer = "cnn" }), Is.False);
    }

    [TestCase("architecture", "Cnn")]
    [TestCase("architecture", "Cnn 16x1,32x1,64x2,128x1")]
    [TestCase("views", "8")]
    [TestCase("decisionThreshold", "0.37")]
    [TestCase("weightAverageDecay", "0.998")]
    [TestCase("labelSmoothing", "0.2")]
    [TestCase("domainAugment", "v0")]
    [TestCase("mixupAlpha", "0.2")]
    [TestCase("backboneLrFactor", "0.3")]
    public void ARunWithAnotherLayoutOrViewAveragingIsNotReused(string property, string value)
    {
        using var tree = new TempFolder();
        var run = FinishedRunFolder(tree);
        var properties = CnnDefaultProperties();
        var card = new ModelCard { Labels = ["Parasitized", "Uninfected"], InputWidth = 64, InputHeight = 64, Trainer = "cnn", SplitSha256 = "abc", Seed = 42, Properties = properties };
        card.Save(Path.Combine(run, ModelCard.FileName));
        var wanted = new ModelComparison.RunSettings("cnn", false, "abc", 42, null);
        Assert.That(ModelComparison.IsFinished(run, wanted), Is.True, "the contender's own defaults");

        properties[property] = value;
        card.Save(Path.Combine(run, ModelCard.FileName));
        Assert.That(ModelComparison.IsFinished(run, wanted), Is.False);
    }

    [Test]
    public void ARunThatRecommendsEightViewsIsNotReused()
    {
        using var tree = new TempFolder();
        var run = FinishedRunFolder(tree);
        var properties = CnnDefaultProperties();
        var card = new ModelCard { Labels = ["Parasitized", "Uninfected"], InputWidth = 64, InputHeight = 64, Trainer = "cnn", SplitSha256 = "abc", Seed = 42, Properties = properties, Views = new ModelCardViews { InGraph = 1, Recommended = 1 } };
        card.Save(Path.Combine(run, ModelCard.FileName));
        var wanted = new ModelComparison.RunSettings("cnn", false, "abc", 42, null);
        Assert.That(ModelComparison.IsFinished(run, wanted), Is.True, "one view recommended: the contender's own setting");

        card.Views.Recommended = 8;
        card.Save(Path.Combine(run, ModelCard.FileName));
        Assert.That(ModelComparison.IsFinished(run, wanted), Is.False, "evaluated on 8 views: another model");
    }

    /// <summary>A run folder holding what a finished run leaves (model.zip, metrics.json), for a card to be written into.</summary>
    private static string FinishedRunFolder(TempFolder tree)
    {
        var run = tree.Combine("run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "model.zip"), "zip");
        File.WriteAllText(Path.Combine(run, "metrics.json"), "{}");
        return run;
    }

    /// <summary>The card properties a CNN run with the trainer's defaults records.</summary>
    private static Dictionary<string, string> CnnDefaultProperties() => new()
    {
        ["freezeBackbone"] = "False", ["epochs"] = "40", ["architecture"] = "Cnn " + TorchTrainingOptions.ChosenCnnStages, ["labelSmoothing"] = "0.1", ["domainAugment"] = DomainAugmentation.Default.Version,
    };
}
