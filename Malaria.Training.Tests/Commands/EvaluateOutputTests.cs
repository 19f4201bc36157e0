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

    /// <summary>
    /// The shipped model copied into the tree, its card listing <paramref name="trainingGroups"/> instead of the
    /// shipped ones (the generated patients C0..C9 are not the NIH ones, but none is listed unless given).
    /// </summary>
    private static string Model(TempFolder tree, params string[] trainingGroups) => Model(tree, null, trainingGroups);

    private static string Model(TempFolder tree, Action<ModelCard>? edit, params string[] trainingGroups)
    {
        var copy = BuiltInModel.WriteToPrivateFolder();
        var folder = tree.Combine("model");
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "model.onnx");
        File.Copy(copy, model);
        var card = ModelCard.Load(ModelCard.PathBeside(copy));
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        card.Properties?.Remove(TrainingGroups.GroupsProperty);
        card.Properties?.Remove(TrainingGroups.Sha256Property);
        if (trainingGroups.Length > 0)
        {
            card.Properties ??= new Dictionary<string, string>();
            TrainingGroups.Record(card.Properties, trainingGroups);
        }
        edit?.Invoke(card);
        card.Save(ModelCard.PathBeside(model));
        return model;
    }

    [Test]
    public void A_calibrated_card_gets_calibration_figures_operating_points_and_pictures()
    {
        using var plainTree = new TempFolder();
        var plainReport = plainTree.Combine("report");
        Assert.That(Cli.Run("evaluate", "--model", Model(plainTree), "--data", Data(plainTree), "--out", plainReport).Code, Is.Zero);
        using var tree = new TempFolder();
        var report = tree.Combine("report");
        var model = Model(tree, card =>
        {
            card.Calibration = [new ModelCalibration { Views = 8, Temperature = 2 }];
            card.OperatingPoints =
            [
                new OperatingPoint { Name = "balanced", Views = 8, Threshold = 0.5, Sensitivity = 0.96, Specificity = 0.97, Source = "test" },
                new OperatingPoint { Name = "screening", Views = 8, Threshold = 0.2 },
            ];
            card.DefaultOperatingPoint = "screening";
        });

        var (code, error) = Cli.Run("evaluate", "--model", model, "--data", Data(tree), "--out", report);

        Assert.That(code, Is.Zero, error);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        using var plain = JsonDocument.Parse(File.ReadAllText(Path.Combine(plainReport, "metrics.json")));
        var calibration = metrics.RootElement.GetProperty("calibration");
        Assert.That(calibration.GetProperty("temperature").GetDouble(), Is.EqualTo(2));
        // The model's own probabilities, recovered by undoing the temperature, are those of the uncalibrated card.
        var plainEce = plain.RootElement.GetProperty("calibration").GetProperty("before").GetProperty("ece").GetDouble();
        Assert.That(calibration.GetProperty("before").GetProperty("ece").GetDouble(), Is.EqualTo(plainEce).Within(1e-4));
        Assert.That(calibration.GetProperty("after").GetProperty("logLoss").GetDouble(),
            Is.Not.EqualTo(calibration.GetProperty("before").GetProperty("logLoss").GetDouble()), "the temperature changed the probabilities");
        var points = metrics.RootElement.GetProperty("operatingPoints").EnumerateArray().ToArray();
        Assert.That(points.Select(p => p.GetProperty("name").GetString()), Is.EqualTo(new[] { "balanced", "screening" }));
        Assert.That(points[1].GetProperty("isDefault").GetBoolean(), Is.True);
        Assert.That(points[1].GetProperty("sensitivity").GetDouble(), Is.GreaterThanOrEqualTo(points[0].GetProperty("sensitivity").GetDouble()),
            "a lower threshold calls at least as many positives");
        foreach (var p in points)
            Assert.That(p.GetProperty("truePositives").GetInt32() + p.GetProperty("falseNegatives").GetInt32(), Is.EqualTo(6), "six parasitized images");
        var md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.That(md, Does.Contain("## Calibration").And.Contain("calibrated (T = 2)").And.Contain("## Operating points").And.Contain("screening (default)")
            .And.Contain(ReliabilityDiagram.FileName));
        foreach (var picture in new[] { ReliabilityDiagram.FileName, EvaluationReport.RocCurveFile })
            Assert.That(File.ReadAllBytes(Path.Combine(report, picture))[..4], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), picture);
        var errors = File.ReadAllLines(Path.Combine(report, MisclassifiedImages.CsvFile)).Length - 1;
        Assert.That(File.Exists(Path.Combine(report, ErrorGallery.FileName)), Is.EqualTo(errors > 0), "the gallery exists when there are errors");
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
        Assert.That(md, Does.Not.Contain("Warning"), "the card records no training groups: nothing new is said");
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
