using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Commands;
using Malaria.Training.Scoring;
using Malaria.Training.Tests.Commands;

namespace Malaria.Training.Tests.Scoring;

/// <summary><c>score</c> and <c>score merge</c> end to end through the CLI with the built-in model: outputs, bad files, shards.</summary>
[NonParallelizable]
public class ScoreCommandTests
{
    private static readonly string ModelVersion = DefaultVersion();

    private static string DefaultVersion()
    {
        using var classifier = MalariaClassifier.LoadDefault();
        return classifier.Version;
    }

    [TearDown]
    public void ClearCompletionIndex() => Environment.SetEnvironmentVariable(ScoreCommand.CompletionIndexVariable, null);

    [Test]
    public void ScoresEveryImageOnceInKeyOrderWithAnErrorRowForEachBadFileAndASummaryPerSlide()
    {
        using var folder = new TempFolder();
        var (notAnImage, truncated) = ScoreImages.WriteTree(folder, "images", perSlide: 5);

        var (code, error) = Cli.Run("score", "--input", folder.Combine("images"), "--out", folder.Combine("run"), "--chunk-size", "4");

        Assert.That(code, Is.Zero, error);
        var lines = File.ReadAllLines(folder.Combine("run", "scores.csv"));
        Assert.That(lines[0], Is.EqualTo("path,group,label,probability,model_version,error"));
        var rows = lines.Skip(1).Select(CsvScoreRowFormat.Instance.Parse).ToList();
        Assert.That(rows, Has.Count.EqualTo(17), "15 cells and 2 bad files; the .txt is not an image");
        Assert.That(rows.Select(r => r.Path), Is.EqualTo(rows.Select(r => r.Path).Order(StringComparer.Ordinal)), "ordinal key order");
        Assert.That(rows.Select(r => r.Path), Is.Unique);
        Assert.That(rows.Select(r => r.ModelVersion), Is.All.EqualTo(ModelVersion));
        Assert.That(rows.Select(r => r.Group).Distinct(), Is.EqualTo(new[] { "slide-a", "slide-b", "slide-c" }), "the slide folder is the group");

        var scored = rows.Where(r => r.Scored).ToList();
        Assert.That(scored, Has.Count.EqualTo(15));
        Assert.That(scored.Select(r => r.Label), Is.All.AnyOf("Parasitized", "Uninfected"));
        Assert.That(scored.Select(r => r.Probability!.Value), Is.All.InRange(0f, 1f));
        Assert.That(scored.Where(r => r.Label == "Parasitized").Select(r => r.Probability!.Value), Is.All.GreaterThanOrEqualTo(0.5f), "the probability is P(Parasitized)");

        var bad = rows.Where(r => !r.Scored).ToDictionary(r => r.Path);
        Assert.That(bad.Keys, Is.EquivalentTo(new[] { notAnImage, truncated }));
        Assert.That(bad[notAnImage].Error, Does.StartWith("NotAnImage: "));
        Assert.That(bad[truncated].Error, Does.StartWith("Truncated: ").Or.StartWith("Corrupt: "));
        Assert.That(bad.Values.Select(r => r.Error), Has.None.Contains(folder.Path), "errors name no absolute path: the row names the file");
        Assert.That(bad.Values.Select(r => (r.Label, r.Probability)), Is.All.EqualTo(((string?)null, (float?)null)));

        var summary = File.ReadAllLines(folder.Combine("run", GroupSummary.FileName));
        Assert.That(summary[0], Is.EqualTo("group,cells,scored,parasitized,infected_fraction,errors"));
        var slideB = scored.Where(r => r.Group == "slide-b").ToList();
        var parasitizedB = slideB.Count(r => r.Label == "Parasitized");
        Assert.That(summary[2], Is.EqualTo(string.Create(CultureInfo.InvariantCulture, $"slide-b,7,5,{parasitizedB},{parasitizedB / 5.0:F4},2")));
        Assert.That(summary, Has.Length.EqualTo(4));
    }

    [Test]
    public void AListedFileThatDoesNotExistGetsAMissingRowAndTheOthersAreScored()
    {
        using var folder = new TempFolder();
        folder.Write("cells/a.bmp", TestImages.Bmp(TestImages.Tint.Red));
        folder.Write("cells/c.bmp", TestImages.Bmp(TestImages.Tint.Blue));
        File.WriteAllLines(folder.Combine("cells.txt"), ["cells/a.bmp", "cells/b.bmp", "cells/c.bmp"]);

        var (code, error) = Cli.Run("score", "-i", folder.Combine("cells.txt"), "-o", folder.Combine("run"));

        Assert.That(code, Is.Zero, error);
        var rows = File.ReadAllLines(folder.Combine("run", "scores.csv")).Skip(1).Select(CsvScoreRowFormat.Instance.Parse).ToList();
        Assert.That(rows.Select(r => (r.Path, r.Scored)), Is.EqualTo(new[] { ("cells/a.bmp", true), ("cells/b.bmp", false), ("cells/c.bmp", true) }));
        Assert.That(rows[1].Error, Is.EqualTo("Missing: the file does not exist."));
        Assert.That(File.ReadAllLines(folder.Combine("run", GroupSummary.FileName))[1], Does.StartWith("cells,3,2,").And.EndWith(",1"));
    }

    [Test]
    public void EightViewsGiveTheLibrarysEightViewProbabilitiesAndAreARunOfTheirOwn()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 3);

        var (code, error) = Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("views8"), "--views", "8");

        Assert.That(code, Is.Zero, error);
        var rows = File.ReadAllLines(folder.Combine("views8", "scores.csv")).Skip(1).Select(CsvScoreRowFormat.Instance.Parse).Where(r => r.Scored).ToList();
        using var classifier = MalariaClassifier.LoadDefault();
        var expected = classifier.ClassifyBatch(rows.Select(r => folder.Combine("images", r.Path)).ToList(), ScoringViews.Dihedral);
        var single = classifier.ClassifyBatch(rows.Select(r => folder.Combine("images", r.Path)).ToList(), ScoringViews.Single);
        Assert.That(rows.Select(r => r.Probability!.Value), Is.EqualTo(expected.Select(p => p.ScoreOf("Parasitized"))).Within(1e-6f));
        Assert.That(rows.Select(r => r.Probability!.Value), Is.Not.EqualTo(single.Select(p => p.ScoreOf("Parasitized"))).Within(1e-6f), "not the one-view scores");
        Assert.That(File.ReadAllText(folder.Combine("views8", ScoreRun.FileName)), Does.Contain("\"views\": 8"));

        Assert.That(Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("views1")).Code, Is.Zero);
        Assert.That(File.ReadAllText(folder.Combine("views1", ScoreRun.FileName)), Does.Not.Contain("views"), "a one-view run's run.json is as before");
        var (mixedCode, mixedError) = Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("views8"));
        Assert.That(mixedCode, Is.Not.Zero, "one view into the 8-view run's folder would mix the two");
        Assert.That(mixedError, Does.Contain("views"));
    }

    [Test]
    public void JsonLinesHoldTheSameRowsAsTheCsv()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 3);

        Assert.That(Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("csv")).Code, Is.Zero);
        var (code, error) = Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("jsonl"), "--format", "jsonl");

        Assert.That(code, Is.Zero, error);
        var json = File.ReadAllLines(folder.Combine("jsonl", "scores.jsonl"));
        Assert.That(json[0], Does.StartWith("{\"path\":\"slide-a/cell_000.bmp\",\"group\":\"slide-a\",\"label\":"));
        Assert.That(json.Where(l => l.Contains("\"error\":\"NotAnImage: ", StringComparison.Ordinal)), Has.Exactly(1).Items.And.All.Contain("\"label\":null,\"probability\":null"));
        var fromJson = json.Select(JsonLinesScoreRowFormat.Instance.Parse).ToList();
        var fromCsv = File.ReadAllLines(folder.Combine("csv", "scores.csv")).Skip(1).Select(CsvScoreRowFormat.Instance.Parse).ToList();
        Assert.That(fromJson, Is.EqualTo(fromCsv));
        Assert.That(File.ReadAllText(folder.Combine("jsonl", GroupSummary.FileName)), Is.EqualTo(File.ReadAllText(folder.Combine("csv", GroupSummary.FileName))));
    }

    [Test]
    public void RealCellsFromASplitAreGroupedByPatientAndMostlyCalledRight()
    {
        var root = SharedData.MalariaImages;
        using var folder = new TempFolder();
        var lines = new List<string> { "path,label,group,part" };
        foreach (var label in new[] { "Parasitized", "Uninfected" })
        {
            var files = Directory.GetFiles(Path.Combine(root, label), "*.png").Order(StringComparer.Ordinal).ToList();
            lines.AddRange(Enumerable.Range(0, 8).Select(i => files[i * (files.Count / 8)]).Select(f => $"{f},{label},{Path.GetFileName(f).Split('_')[0]},test"));
        }
        File.WriteAllLines(folder.Combine("split.csv"), lines);

        var (code, error) = Cli.Run("score", "--input", folder.Combine("split.csv"), "--out", folder.Combine("run"));

        Assert.That(code, Is.Zero, error);
        var truth = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => (Label: f[1], Group: f[2]));
        var rows = File.ReadAllLines(folder.Combine("run", "scores.csv")).Skip(1).Select(CsvScoreRowFormat.Instance.Parse).ToList();
        Assert.That(rows.Select(r => r.Path), Is.EquivalentTo(truth.Keys), "paths outside the CSV's folder stay absolute");
        Assert.That(rows.Select(r => r.Group), Is.EqualTo(rows.Select(r => truth[r.Path].Group)), "the split's group column is the group");
        Assert.That(rows.Count(r => r.Label == truth[r.Path].Label), Is.GreaterThanOrEqualTo(14), "the shipped model is right on about 97 % of cells");
        var summary = File.ReadAllLines(folder.Combine("run", GroupSummary.FileName)).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.That(summary, Is.EqualTo(truth.Values.Select(t => t.Group).Distinct().Order(StringComparer.Ordinal)));
    }

    [Test]
    public void FourShardsInTheirOwnFoldersMergedAreByteIdenticalToTheUnshardedRun()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 7);
        var images = folder.Combine("images");
        Assert.That(Cli.Run("score", "-i", images, "-o", folder.Combine("whole"), "--chunk-size", "3").Code, Is.Zero);

        for (var k = 0; k < 4; k++)
        {
            var (code, error) = Cli.Run("score", "-i", images, "-o", folder.Combine($"shard{k}"), "--chunk-size", "3", "--shard", $"{k}/4");
            Assert.That(code, Is.Zero, error);
            Assert.That(File.Exists(folder.Combine($"shard{k}", "scores.csv")), Is.False, "one shard alone has not every chunk");
            Assert.That(Directory.GetFiles(folder.Combine($"shard{k}", "chunks")).Select(Path.GetFileName),
                Is.All.Matches<string>(n => int.Parse(n!.AsSpan(6, 6), CultureInfo.InvariantCulture) % 4 == k), "shard K owns chunks K mod 4");
        }
        var merged = Cli.Run(["score", "merge", .. Enumerable.Range(0, 4).Select(k => folder.Combine($"shard{k}")), "--out", folder.Combine("merged")]);

        Assert.That(merged.Code, Is.Zero, merged.Error);
        Assert.That(File.ReadAllBytes(folder.Combine("merged", "scores.csv")), Is.EqualTo(File.ReadAllBytes(folder.Combine("whole", "scores.csv"))));
        Assert.That(File.ReadAllBytes(folder.Combine("merged", GroupSummary.FileName)), Is.EqualTo(File.ReadAllBytes(folder.Combine("whole", GroupSummary.FileName))));
    }

    [Test]
    public void AnIndexedJobsPodsReadTheirShardFromJobCompletionIndexAndTheLastOneMerges()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 6);
        var images = folder.Combine("images");
        Assert.That(Cli.Run("score", "-i", images, "-o", folder.Combine("whole"), "--chunk-size", "2", "--format", "jsonl").Code, Is.Zero);

        // Pods finish in any order; all write into one shared folder.
        foreach (var index in new[] { 2, 0, 3, 1 })
        {
            Environment.SetEnvironmentVariable(ScoreCommand.CompletionIndexVariable, index.ToString(CultureInfo.InvariantCulture));
            var (code, error) = Cli.Run("score", "-i", images, "-o", folder.Combine("job"), "--chunk-size", "2", "--format", "jsonl", "--shard-count", "4");
            Assert.That(code, Is.Zero, error);
            Assert.That(File.Exists(folder.Combine("job", "scores.jsonl")), Is.EqualTo(index == 1), "only the pod that completes the set merges");
        }

        Assert.That(File.ReadAllBytes(folder.Combine("job", "scores.jsonl")), Is.EqualTo(File.ReadAllBytes(folder.Combine("whole", "scores.jsonl"))));
    }

    [Test]
    public void MergeRefusesMissingChunksAndFoldersOfDifferentRuns()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 4);
        var images = folder.Combine("images");
        Assert.That(Cli.Run("score", "-i", images, "-o", folder.Combine("s0"), "--chunk-size", "2", "--shard", "0/2").Code, Is.Zero);
        Assert.That(Cli.Run("score", "-i", images, "-o", folder.Combine("other"), "--chunk-size", "3", "--shard", "1/2").Code, Is.Zero);

        var missing = Cli.Run("score", "merge", folder.Combine("s0"));
        var mixed = Cli.Run("score", "merge", folder.Combine("s0"), folder.Combine("other"), "--out", folder.Combine("m"));

        Assert.That(missing.Code, Is.EqualTo(1));
        Assert.That(missing.Error, Does.Contain("chunks are not scored yet").And.Contain("shard C mod N"));
        Assert.That(mixed.Code, Is.EqualTo(1));
        Assert.That(mixed.Error, Does.Contain("holds another run"));
        Assert.That(File.Exists(folder.Combine("m", "scores.csv")), Is.False);
    }

    private static IEnumerable<TestCaseData> BadCommandLines()
    {
        TestCaseData Case(string expected, params string[] args) => new TestCaseData(args, null, expected) { TestName = $"BadOption({string.Join(' ', args)})" };
        yield return Case("--input is required", "score", "--out", "OUT");
        yield return Case("--out is required", "score", "--input", "IMAGES");
        yield return Case("--format 'xml': use csv or jsonl", "score", "-i", "IMAGES", "-o", "OUT", "--format", "xml");
        yield return Case("--shard '4/4': K must be below N", "score", "-i", "IMAGES", "-o", "OUT", "--shard", "4/4");
        yield return Case("--shard 'half': use K/N", "score", "-i", "IMAGES", "-o", "OUT", "--shard", "half");
        yield return Case("--shard '0/0': N must be at least 1", "score", "-i", "IMAGES", "-o", "OUT", "--shard", "0/0");
        yield return Case("not both", "score", "-i", "IMAGES", "-o", "OUT", "--shard", "0/2", "--shard-count", "2");
        yield return Case("--shard-count 2 needs JOB_COMPLETION_INDEX", "score", "-i", "IMAGES", "-o", "OUT", "--shard-count", "2");
        yield return Case("--chunk-size 0: use at least 1", "score", "-i", "IMAGES", "-o", "OUT", "--chunk-size", "0");
        yield return Case("--input '", "score", "-i", "NOWHERE", "-o", "OUT");
        yield return Case("--model '", "score", "-i", "IMAGES", "-o", "OUT", "--model", "NOWHERE");
        yield return Case("--group-column applies to a CSV input", "score", "-i", "IMAGES", "-o", "OUT", "--group-column", "patient");
        yield return Case("is a file; give a folder", "score", "-i", "IMAGES", "-o", "FILE");
        yield return new TestCaseData(new[] { "score", "-i", "IMAGES", "-o", "OUT" }, "7", "JOB_COMPLETION_INDEX=7 is set (a Kubernetes Indexed Job) but --shard-count is not") { TestName = "BadOption(JOB_COMPLETION_INDEX without --shard-count)" };
        yield return new TestCaseData(new[] { "score", "-i", "IMAGES", "-o", "OUT", "--shard-count", "4" }, "4", "JOB_COMPLETION_INDEX=4 is not below --shard-count 4") { TestName = "BadOption(JOB_COMPLETION_INDEX out of range)" };
        yield return new TestCaseData(new[] { "score", "-i", "IMAGES", "-o", "OUT", "--shard-count", "4" }, "one", "JOB_COMPLETION_INDEX='one' is not a shard number") { TestName = "BadOption(JOB_COMPLETION_INDEX not a number)" };
    }

    [TestCaseSource(nameof(BadCommandLines))]
    public void RefusesABadCommandLineNamingTheOption(string[] args, string? completionIndex, string expected)
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 1);
        File.WriteAllText(folder.Combine("file"), "");
        Environment.SetEnvironmentVariable(ScoreCommand.CompletionIndexVariable, completionIndex);
        var resolved = args.Select(a => a switch
        {
            "IMAGES" => folder.Combine("images"),
            "OUT" => folder.Combine("out"),
            "FILE" => folder.Combine("file"),
            "NOWHERE" => folder.Combine("nowhere"),
            _ => a,
        }).ToArray();

        var (code, error) = Cli.Run(resolved);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("error: ").And.Contain(expected));
        Assert.That(File.Exists(folder.Combine("out", "scores.csv")), Is.False);
    }

    [Test]
    public void ARunFolderOfAnotherRunIsRefusedNotMixed()
    {
        using var folder = new TempFolder();
        ScoreImages.WriteTree(folder, "images", perSlide: 2);
        Assert.That(Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("out")).Code, Is.Zero);
        var before = File.ReadAllBytes(folder.Combine("out", "scores.csv"));

        var (code, error) = Cli.Run("score", "-i", folder.Combine("images"), "-o", folder.Combine("out"), "--chunk-size", "5");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("holds another run").And.Contain("new --out folder"));
        Assert.That(File.ReadAllBytes(folder.Combine("out", "scores.csv")), Is.EqualTo(before));
    }
}
