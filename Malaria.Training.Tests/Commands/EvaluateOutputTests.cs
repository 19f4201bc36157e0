using System.Globalization;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Commands;

/// <summary><c>evaluate</c>'s outputs beyond the metrics: the misclassified list and the warning when the evaluated
/// patients are the model's training patients. A copy of the shipped model stands in for a trained one, its card
/// given the training groups a training run records.</summary>
[NonParallelizable]
public class EvaluateOutputTests
{
    private static string Data(TempFolder tree)
    {
        for (var p = 0; p < 6; p++)
        {
            tree.Write($"data/Parasitized/C{p}P1_cell_1.png", TestImages.Png(TestImages.Tint.Red, 64, 64, seed: 3 * p));
            tree.Write($"data/Uninfected/C{p}P1_cell_2.png", TestImages.Png(TestImages.Tint.Blue, 64, 64, seed: 3 * p + 1));
            tree.Write($"data/Uninfected/C{p}P1_cell_3.png", TestImages.Png(TestImages.Tint.Red, 60, 66, seed: 3 * p + 2));
        }
        return tree.Combine("data");
    }

    /// <summary>The shipped model copied into the tree, its card listing <paramref name="trainingGroups"/> (none: as shipped).</summary>
    private static string Model(TempFolder tree, params string[] trainingGroups)
    {
        var copy = BuiltInModel.WriteToPrivateFolder();
        var folder = tree.Combine("model");
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "model.onnx");
        File.Copy(copy, model);
        var card = ModelCard.Load(ModelCard.PathBeside(copy));
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        if (trainingGroups.Length > 0)
        {
            card.Properties ??= new Dictionary<string, string>();
            TrainingGroups.Record(card.Properties, trainingGroups);
        }
        card.Save(ModelCard.PathBeside(model));
        return model;
    }

    [Test]
    public void MisclassifiedCsvHoldsEveryErrorMostConfidentlyWrongFirst()
    {
        using var tree = new TempFolder();
        var report = tree.Combine("report");
        var (code, error) = Cli.Run("evaluate", "--model", Model(tree), "--data", Data(tree), "--out", report);
        Assert.That(code, Is.Zero, error);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        var matrix = metrics.RootElement.GetProperty("confusionMatrix");
        var errors = matrix[0][1].GetInt32() + matrix[1][0].GetInt32();
        var lines = File.ReadAllLines(Path.Combine(report, MisclassifiedImages.CsvFile));
        Assert.That(lines[0], Is.EqualTo("path,patient,trueLabel,predictedLabel,p(Parasitized)"));
        Assert.That(lines, Has.Length.EqualTo(errors + 1));
        // How wrong each row is, from its true label and the positive probability: never increasing down the file.
        var wrongness = lines.Skip(1).Select(l => l.Split(',')).Select(f =>
        {
            var p = double.Parse(f[4], CultureInfo.InvariantCulture);
            return f[2] == "Parasitized" ? 1 - p : p;
        }).ToList();
        Assert.That(wrongness, Is.Ordered.Descending);
        Assert.That(lines.Skip(1).All(l => l.Split(',')[2] != l.Split(',')[3]), Is.True, "only errors are listed");
        var md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.That(md, Does.Contain($"{errors} of 18 images misclassified").And.Contain(MisclassifiedImages.CsvFile));
        Assert.That(md, Does.Not.Contain("Warning"), "the shipped card records no training groups: nothing new is said");
    }

    [Test]
    public void EvaluatingTheTrainingPatientsWarnsAtTheTopOfTheReport()
    {
        using var tree = new TempFolder();
        var report = tree.Combine("report");
        var (code, error) = Cli.Run("evaluate", "--model", Model(tree, "C0", "C1", "C9"), "--data", Data(tree), "--out", report);
        Assert.That(code, Is.Zero, error);
        var md = File.ReadAllLines(Path.Combine(report, "report.md"));
        Assert.That(md[2], Does.StartWith("> **Warning:** 2 of the 6 evaluated patients (6 of 18 cells) were among the model's training patients")
            .And.Contain("optimistic"));
    }

    [Test]
    public void DisjointPatientsGetNoWarning()
    {
        using var tree = new TempFolder();
        var report = tree.Combine("report");
        var (code, error) = Cli.Run("evaluate", "--model", Model(tree, "C7", "C8"), "--data", Data(tree), "--out", report);
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllText(Path.Combine(report, "report.md")), Does.Not.Contain("Warning"));
    }
}
