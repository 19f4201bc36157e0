using System.Text.Json;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Evaluation;
using Malaria.Training.Pipelines;

namespace Malaria.Training.Tests.Commands;

/// <summary>compare-cv on two cross-validation folders written by hand: the same cells, other scores.</summary>
public class CompareCrossValidationsCommandTests
{
    private static readonly string[] Labels = ["Parasitized", "Uninfected"];

    /// <summary>Patients C1..C6 of 10 cells (cells 0-4 Parasitized), two patients per fold.</summary>
    private static List<SplitEntry> Split(TempFolder tree) =>
        [.. Enumerable.Range(1, 6).SelectMany(p => Enumerable.Range(0, 10).Select(i =>
            new SplitEntry(new LabeledImage(tree.Combine($"data/C{p}_{i}.png"), Labels[i < 5 ? 0 : 1], $"C{p}"), SplitPart.Train)))];

    /// <summary>Writes a cross-validation folder whose folds get <paramref name="wrong"/> cells wrong (one view) and
    /// <paramref name="wrongWithViews"/> wrong with 8 views; <paramref name="epochs"/> is its recorded setting.</summary>
    private static string WriteRun(TempFolder tree, string name, int[] folds, IReadOnlySet<string> wrong, IReadOnlySet<string> wrongWithViews, string epochs,
        Func<int, string[]>? patientsOf = null)
    {
        var split = Split(tree);
        var folder = tree.Combine(name);
        Directory.CreateDirectory(folder);
        SplitFile.Write(Path.Combine(folder, "split.csv"), split);
        foreach (var fold in folds)
        {
            var patients = patientsOf?.Invoke(fold) ?? [$"C{2 * fold - 1}", $"C{2 * fold}"];
            var cells = split.Select(e => e.Image).Where(i => patients.Contains(i.Group)).ToList();
            var labels = cells.Select(c => Array.IndexOf(Labels, c.Label)).ToArray();
            float Score(LabeledImage c, IReadOnlySet<string> miss) => (c.Label == Labels[0]) != miss.Contains(c.Path) ? 0.9f : 0.1f;
            float[] plain = [.. cells.Select(c => Score(c, wrong))];
            float[] views = [.. cells.Select(c => Score(c, wrongWithViews))];
            var result = new CrossValidationFold(fold, new Dictionary<string, string> { ["epochs"] = epochs, ["seed"] = "42" }, patients, 40, 1,
                [0.9], BinaryClassificationMetrics.Compute(labels, plain, Labels, 0), BinaryClassificationMetrics.Compute(labels, views, Labels, 0),
                [.. cells.Select(c => c.Path)], labels, plain, views);
            Directory.CreateDirectory(Path.Combine(folder, $"fold-{fold}"));
            File.WriteAllText(Path.Combine(folder, $"fold-{fold}", "fold.json"), JsonSerializer.Serialize(result, TorchCheckpoint.JsonOptions));
        }
        return folder;
    }

    [Test]
    public void CountsTheCellsEachGotRightOnTheFoldsBothFinished()
    {
        using var tree = new TempFolder();
        string Cell(int patient, int i) => tree.Combine($"data/C{patient}_{i}.png");
        // Baseline: 4 wrong (C1 0-1, C3 5-6). Candidate: 1 wrong (C1 0) and a fold 3 the baseline never finished.
        var baseline = WriteRun(tree, "base", [1, 2], new HashSet<string> { Cell(1, 0), Cell(1, 1), Cell(3, 5), Cell(3, 6) }, new HashSet<string> { Cell(1, 0) }, "20");
        var candidate = WriteRun(tree, "cand", [1, 2, 3], new HashSet<string> { Cell(1, 0) }, new HashSet<string> { Cell(1, 0), Cell(2, 9) }, "30");

        var (code, error) = Cli.Run("compare-cv", "--baseline", baseline, "--candidate", candidate);

        Assert.That(code, Is.Zero, error);
        var report = File.ReadAllText(Path.Combine(candidate, "paired-vs-base.md"));
        Assert.That(report, Does.Contain("settings that differ: epochs 20 -> 30"));
        Assert.That(report, Does.Contain("folds compared: 1, 2; left out (finished in one run only): 3"));
        Assert.That(report, Does.Contain("| one view | 40 | 36 | 39 | +3 | 0 | 3 |"));
        Assert.That(report, Does.Contain("| 8 views | 40 | 39 | 38 | -1 | 1 | 0 |"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(candidate, "paired-vs-base.json")));
        var oneView = json.RootElement.GetProperty("scorings")[0].GetProperty("pooled");
        Assert.That(oneView.GetProperty("units").GetInt32(), Is.EqualTo(4), "the 4 patients of folds 1 and 2 are resampled");
        Assert.That(oneView.GetProperty("accuracyDifference").GetProperty("high").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void FoldsOfOtherPatientsAreAClearError()
    {
        using var tree = new TempFolder();
        var none = new HashSet<string>();
        var baseline = WriteRun(tree, "base", [1], none, none, "20");
        var candidate = WriteRun(tree, "cand", [1], none, none, "20", fold => ["C1", "C3"]);

        var (code, error) = Cli.Run("compare-cv", "--baseline", baseline, "--candidate", candidate);

        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("Fold 1 holds other patients").And.Contain("same split and --seed"));
        Assert.That(Cli.Run("compare-cv", "--baseline", tree.Combine("nowhere"), "--candidate", candidate).Error, Does.Contain("does not exist"));
    }
}
