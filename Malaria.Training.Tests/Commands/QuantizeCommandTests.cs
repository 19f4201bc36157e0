using Malaria.Inference;
using Malaria.Training.Data;

namespace Malaria.Training.Tests.Commands;

/// <summary>
/// <c>quantize</c> on a copy of the shipped model (an 8-view CNN graph) with real NIH cells: the int8 package loads in
/// the library and calls cells as the float model does; bad inputs fail naming what is wrong.
/// </summary>
[NonParallelizable]
public class QuantizeCommandTests
{
    /// <summary>The shipped model copied into <paramref name="tree"/>/float (model.onnx and model.json).</summary>
    private static string FloatModel(TempFolder tree)
    {
        var copy = BuiltInModel.WriteToPrivateFolder();
        var folder = tree.Combine("float");
        Directory.CreateDirectory(folder);
        File.Copy(copy, Path.Combine(folder, "model.onnx"));
        File.Copy(ModelCard.PathBeside(copy), Path.Combine(folder, ModelCard.FileName));
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        return folder;
    }

    /// <summary>A split of real cells: per label, the first 24 files (by name) train, the next 20 test.</summary>
    private static (string Split, List<LabeledImage> Test) Split(TempFolder tree)
    {
        var entries = new List<SplitEntry>();
        foreach (var label in new[] { "Parasitized", "Uninfected" })
        {
            var files = Directory.GetFiles(Path.Combine(SharedData.MalariaImages, label), "*.png").Order(StringComparer.Ordinal).Take(44).ToList();
            entries.AddRange(files.Select((path, i) => new SplitEntry(
                new LabeledImage(path, label, Path.GetFileName(path).Split('P')[0]), i < 24 ? SplitPart.Train : SplitPart.Test)));
        }
        var split = tree.Combine("split.csv");
        SplitFile.Write(split, entries);
        return (split, [.. entries.Where(e => e.Part == SplitPart.Test).Select(e => e.Image)]);
    }

    [Test]
    public void TheInt8ModelLoadsInTheLibraryAndCallsCellsLikeTheFloatModel()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var floatModel = FloatModel(tree);
        var (split, test) = Split(tree);
        var output = tree.Combine("int8");

        var (code, error) = Cli.Run("quantize", "--model", floatModel, "--split", split, "--calibration-images", "32", "--out", output);

        Assert.That(code, Is.Zero, error);
        var card = ModelCard.Load(Path.Combine(output, ModelCard.FileName));
        Assert.That(card.Properties!["calibrationImages"], Is.EqualTo("32"));
        Assert.That(card.Properties["quantization"], Does.Contain("int8"));
        Assert.That(card.Metrics, Is.Null, "the float model's metrics do not describe the int8 one");
        Assert.That(new FileInfo(Path.Combine(output, "model.onnx")).Length, Is.LessThan(new FileInfo(Path.Combine(floatModel, "model.onnx")).Length / 2));

        using var float32 = MalariaClassifier.Load(Path.Combine(floatModel, "model.onnx"));
        using var int8 = MalariaClassifier.Load(Path.Combine(output, "model.onnx"));
        using var int8Zip = MalariaClassifier.Load(Path.Combine(output, "model.zip"));
        var expected = float32.ClassifyBatch(test.Select(i => i.Path));
        var actual = int8.ClassifyBatch(test.Select(i => i.Path));
        var fromZip = int8Zip.ClassifyBatch(test.Select(i => i.Path).Take(4));
        var agree = expected.Zip(actual).Count(p => p.First.Label == p.Second.Label);
        var meanDifference = expected.Zip(actual).Average(p => Math.Abs(p.First.Scores["Parasitized"] - p.Second.Scores["Parasitized"]));
        TestContext.Out.WriteLine($"{agree}/{test.Count} calls agree, mean |dP(Parasitized)| {meanDifference:F4}");
        Assert.That(agree, Is.GreaterThanOrEqualTo(test.Count - 1));
        Assert.That(meanDifference, Is.LessThan(0.02));
        Assert.That(fromZip.Select(p => p.Label), Is.EqualTo(actual.Take(4).Select(p => p.Label)), "the zip wraps the same graph");
        Assert.That(int8.CanExplain, Is.True, "the int8 graph keeps its cam output");
        var parasitized = test.First(i => i.Label == "Parasitized").Path;
        var floatHeat = float32.Explain(parasitized, "Parasitized").Heatmap.Values;
        var int8Heat = int8.Explain(parasitized, "Parasitized").Heatmap.Values;
        var correlation = Malaria.Training.Tests.Export.OnnxExportFixture.Pearson(floatHeat, int8Heat);
        TestContext.Out.WriteLine($"Grad-CAM heatmaps of {Path.GetFileName(parasitized)}: r = {correlation:F4}");
        Assert.That(correlation, Is.GreaterThan(0.95));
    }

    [Test]
    public void TheSameSeedGivesTheSameGraphAndAnotherSeedAnotherSample()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var floatModel = FloatModel(tree);
        var (split, _) = Split(tree);
        byte[] Quantise(string seed, string folder)
        {
            var (code, error) = Cli.Run("quantize", "--model", floatModel, "--split", split, "--calibration-images", "6", "--seed", seed, "--out", tree.Combine(folder));
            Assert.That(code, Is.Zero, error);
            return File.ReadAllBytes(tree.Combine(folder, "model.onnx"));
        }
        var first = Quantise("5", "a");
        Assert.That(Quantise("5", "b"), Is.EqualTo(first));
        Assert.That(Quantise("6", "c"), Is.Not.EqualTo(first), "6 of 48 images: another seed draws another sample, so other ranges");
    }

    [Test]
    public void AMissingModelIsNamed()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var split = tree.Write("split.csv", "path,label,group,part\n"u8.ToArray());
        var missing = tree.Combine("nowhere");
        var (code, error) = Cli.Run("quantize", "--model", missing, "--split", split, "--out", tree.Combine("int8"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain(missing).And.Contain("does not exist"));
    }

    [Test]
    public void AMissingSplitIsNamed()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var floatModel = FloatModel(tree);
        var split = tree.Combine("no-split.csv");
        var (code, error) = Cli.Run("quantize", "--model", floatModel, "--split", split, "--out", tree.Combine("int8"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("no-split.csv").And.Contain("does not exist"));
    }

    [Test]
    public void ASplitWithoutATrainPartIsRefused()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var floatModel = FloatModel(tree);
        var split = tree.Write("split.csv", "path,label,group,part\n/x/a.png,Parasitized,C1,test\n"u8.ToArray());
        var (code, error) = Cli.Run("quantize", "--model", floatModel, "--split", split, "--out", tree.Combine("int8"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("no train part"));
    }

    [TestCase("0")]
    public void FewerThanOneCalibrationImageIsRefused(string count)
    {
        using var tree = new TempFolder("malaria-quantize-");
        var (code, error) = Cli.Run("quantize", "--model", FloatModel(tree), "--split", tree.Combine("split.csv"), "--calibration-images", count, "--out", tree.Combine("int8"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain($"--calibration-images {count}"));
    }

    [Test]
    public void TheFloatModelsOwnFolderIsRefusedAsOutput()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var floatModel = FloatModel(tree);
        var split = tree.Write("split.csv", "path,label,group,part\n"u8.ToArray());
        var (code, error) = Cli.Run("quantize", "--model", floatModel, "--split", split, "--out", floatModel);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("holds the float model"));
    }

    [Test]
    public void AZipWithoutItsOnnxGraphBesideItIsExplained()
    {
        using var tree = new TempFolder("malaria-quantize-");
        var zip = tree.Write("lonely/model.zip", [1, 2, 3]);
        var split = tree.Write("split.csv", "path,label,group,part\n"u8.ToArray());
        var (code, error) = Cli.Run("quantize", "--model", zip, "--split", split, "--out", tree.Combine("int8"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("ML.NET zip").And.Contain("model.onnx"));
    }
}
