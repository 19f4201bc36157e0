using Malaria.Inference.Imaging;
using Malaria.Training.Tests.Commands;
using Malaria.Training.Robustness;

namespace Malaria.Training.Tests.Robustness;

/// <summary><c>robustness</c> end to end with the built-in model on a few real NIH cells, and its refusals.</summary>
[NonParallelizable]
public class RobustnessCommandTests
{
    /// <summary>A split whose test part is <paramref name="perLabel"/> real cells of each label, spread over the patients.</summary>
    private static string WriteSplit(TempFolder folder, int perLabel)
    {
        var root = SharedData.MalariaImages;
        var lines = new List<string> { "path,label,group,part" };
        foreach (var label in new[] { "Parasitized", "Uninfected" })
        {
            var files = Directory.GetFiles(Path.Combine(root, label), "*.png").Order(StringComparer.Ordinal).ToList();
            var step = files.Count / perLabel;
            lines.AddRange(Enumerable.Range(0, perLabel).Select(i => $"{files[i * step]},{label},{Path.GetFileName(files[i * step]).Split('_')[0]},test"));
        }
        var path = folder.Combine("split.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Test]
    public void WritesOneRowPerShiftAndSeverityPlusCleanTheReportAndBothPicturesTheSameOnEveryRun()
    {
        using var folder = new TempFolder();
        var split = WriteSplit(folder, perLabel: 6);
        string[] Command(string output) => ["robustness", "--model", "default", "--split", split, "--part", "test", "--out", folder.Combine(output), "--seed", "42"];

        var (code, error) = Cli.Run(Command("first"));

        Assert.That(code, Is.Zero, error);
        var csv = File.ReadAllLines(folder.Combine("first", RobustnessReport.CsvFile));
        Assert.That(csv[0], Is.EqualTo("shift,severity,n,recall,specificity,accuracy,auc"));
        var keys = csv.Skip(1).Select(l => string.Join(',', l.Split(',')[..2])).ToList();
        var expected = new[] { "clean,0" }.Concat(ShiftCatalogue.All.SelectMany(s => new[] { 1, 2, 3 }.Select(v => $"{s.Name},{v}"))).ToList();
        Assert.That(keys, Is.EqualTo(expected), "one row per shift and severity, the clean row first");
        Assert.That(csv.Skip(1).Select(l => l.Split(',')[2]), Is.All.EqualTo("12"));
        Assert.That(csv.Skip(1).SelectMany(l => l.Split(',')[3..]).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)), Is.All.InRange(0.0, 1.0));

        var report = File.ReadAllText(folder.Combine("first", RobustnessReport.MarkdownFile));
        Assert.That(report, Does.Contain("## Clean").And.Contain("built-in default model").And.Contain(split).And.Contain("robustness --model default"));
        foreach (var shift in ShiftCatalogue.All)
            foreach (var level in shift.Levels)
                Assert.That(report, Does.Contain($"| {shift.Name} | {level.Severity} | {level.Parameters} |"), "each severity's parameters are in the report");

        foreach (var picture in new[] { RobustnessReport.ChartFile, RobustnessReport.ExamplesFile })
        {
            var header = ImageHeaderReader.Read(File.ReadAllBytes(folder.Combine("first", picture)), picture, new ImageLimits { MaxPixels = 16_000_000 });
            Assert.That(header.Format, Is.EqualTo(ImageFormat.Png), picture);
            Assert.That(header.Width, Is.GreaterThan(800), picture);
        }

        Assert.That(Cli.Run(Command("second")).Code, Is.Zero);
        Assert.That(File.ReadAllText(folder.Combine("second", RobustnessReport.CsvFile)), Is.EqualTo(string.Join('\n', csv) + "\n"), "the same seed gives the same numbers");
        Assert.That(File.ReadAllBytes(folder.Combine("second", RobustnessReport.ExamplesFile)), Is.EqualTo(File.ReadAllBytes(folder.Combine("first", RobustnessReport.ExamplesFile))));
    }

    [Test]
    public void RefusesNeitherOrBothInputs()
    {
        using var folder = new TempFolder();
        var (code, error) = Cli.Run("robustness", "--model", "default", "--out", folder.Combine("out"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("--split").And.Contain("--data"));
        (code, error) = Cli.Run("robustness", "--model", "default", "--out", folder.Combine("out"), "--split", folder.Combine("s.csv"), "--data", folder.Path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("not both"));
    }

    [Test]
    public void NamesAMissingModelFile()
    {
        using var folder = new TempFolder();
        var split = folder.Combine("split.csv");
        File.WriteAllLines(split, ["path,label,group,part", $"{folder.Combine("a.png")},Parasitized,C1,test"]);
        var (code, error) = Cli.Run("robustness", "--model", folder.Combine("nowhere.onnx"), "--split", split, "--out", folder.Combine("out"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("nowhere.onnx").And.Contain("does not exist"));
    }

    [Test]
    public void NamesAnImageWhoseLabelTheModelDoesNotKnow()
    {
        using var folder = new TempFolder();
        var split = folder.Combine("split.csv");
        File.WriteAllLines(split, ["path,label,group,part", $"{folder.Combine("a.png")},Gametocyte,C1,test"]);
        var (code, error) = Cli.Run("robustness", "--model", "default", "--split", split, "--out", folder.Combine("out"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("a.png").And.Contain("'Gametocyte'").And.Contain("Parasitized, Uninfected"));
    }
}
