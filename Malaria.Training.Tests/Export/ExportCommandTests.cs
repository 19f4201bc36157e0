using Malaria.Inference;
using Malaria.Training;
using Malaria.Training.Torch;
using Malaria.Training.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Export;

/// <summary><c>export</c> on checkpoints written the way the trainer writes them.</summary>
[NonParallelizable]
public class ExportCommandTests
{
    private const int Size = 32;

    private static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try { return (CommandLineApp.Run(args), error.ToString()); }
        finally { Console.SetError(previous); }
    }

    /// <summary>A run folder with checkpoint.bin (state, weights, optimizer) and best.bin, like the trainer leaves.</summary>
    private static nn.Module<Tensor, Tensor> WriteRun(string folder, string architecture)
    {
        var model = OnnxExportFixture.Create(architecture, seed: 8);
        using var optimizer = optim.AdamW(model.parameters(), 1e-3);
        var state = new TrainingState
        {
            Architecture = architecture == "cnn" ? "Cnn" : "MobileNetV2",
            ImageSize = Size,
            WidthMultiplier = architecture == "cnn" ? 1.0 : 0.35,
            EpochsDone = 1,
        };
        TorchCheckpoint.Save(Path.Combine(folder, TorchCheckpoint.FileName), state, model, optimizer);
        TorchCheckpoint.SaveWeights(Path.Combine(folder, TorchTrainer.BestWeightsFile), model);
        return model;
    }

    [TestCase("cnn", TorchCheckpoint.FileName)]
    [TestCase("mobilenetv2", TorchTrainer.BestWeightsFile)]
    public void ExportsACheckpointThatScoresLikeTheNetwork(string architecture, string file)
    {
        using var folder = new TempFolder();
        using var model = WriteRun(folder.Path, architecture);
        var onnxPath = folder.Combine("export", "model.onnx");

        var (code, error) = Run("export", "--checkpoint", folder.Combine(file), "--out", onnxPath, "--labels", "Parasitized,Uninfected");

        Assert.That(code, Is.Zero, error);
        Assert.That(File.Exists(folder.Combine("export", "model.zip")), Is.True);
        var card = ModelCard.Load(folder.Combine("export", ModelCard.FileName));
        Assert.That(card.Labels, Is.EqualTo(OnnxExportFixture.Labels));
        Assert.That((card.InputWidth, card.InputHeight), Is.EqualTo((Size, Size)));

        var pixels = OnnxExportFixture.Pixels(2, Size, seed: 4);
        float[] expected;
        using (torch.no_grad())
        using (var input = torch.tensor(pixels, [2, 3, Size, Size]))
        using (var logits = model.forward(input))
            expected = nn.functional.softmax(logits, 1).data<float>().ToArray();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnxPath);
        var actual = OnnxExportFixture.Run(session, pixels, 2, Size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];
        Assert.That(actual, Is.EqualTo(expected).Within(1e-4f));
    }

    [Test]
    public void LabelsComeFromTheSplitBesideTheCheckpoint()
    {
        using var folder = new TempFolder();
        using var model = WriteRun(folder.Path, "cnn");
        File.WriteAllText(folder.Combine("split.csv"), "path,label,group,part\n/a/C1_x.png,Uninfected,C1,train\n/a/C2_y.png,Parasitized,C2,test\n");
        var (code, error) = Run("export", "--checkpoint", folder.Combine(TorchCheckpoint.FileName), "--out", folder.Combine("out", "model.onnx"));
        Assert.That(code, Is.Zero, error);
        Assert.That(ModelCard.Load(folder.Combine("out", ModelCard.FileName)).Labels, Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
    }

    [Test]
    public void WeightsWithoutTheirCheckpointAreAClearError()
    {
        using var folder = new TempFolder();
        using (WriteRun(folder.Path, "cnn")) { }
        File.Delete(folder.Combine(TorchCheckpoint.FileName));
        var (code, error) = Run("export", "--checkpoint", folder.Combine(TorchTrainer.BestWeightsFile), "--out", folder.Combine("model.onnx"), "--labels", "a,b");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain("weights only"));
        Assert.That(File.Exists(folder.Combine("model.onnx")), Is.False);
    }

    [Test]
    public void WrongLabelCountIsAClearError()
    {
        using var folder = new TempFolder();
        using (WriteRun(folder.Path, "cnn")) { }
        var (code, error) = Run("export", "--checkpoint", folder.Combine(TorchCheckpoint.FileName), "--out", folder.Combine("model.onnx"), "--labels", "a,b,c");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain("3 labels"));
    }

    private static string CalibrationFor(TempFolder folder, int views)
    {
        var random = new Random(5);
        var folds = Enumerable.Range(0, 3).Select(_ =>
        {
            var positive = Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.5).ToArray();
            return (positive, positive.Select(p => (float)Math.Clamp((p ? 0.7 : 0.3) + (random.NextDouble() - 0.5) * 0.6, 0.01, 0.99)).ToArray());
        }).ToList();
        var path = folder.Combine("cv", Malaria.Training.Evaluation.CalibrationFile.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Malaria.Training.Evaluation.CalibrationFile.From([Malaria.Training.Evaluation.CrossFittedCalibration.Run(views, folds, 0.97)], "3-fold test", "balanced").Save(path);
        return path;
    }

    [Test]
    public void CalibrationGoesIntoTheCardAndTheLibraryAppliesIt()
    {
        using var folder = new TempFolder();
        using (WriteRun(folder.Path, "cnn")) { }
        var calibration = CalibrationFor(folder, views: 8);

        var (code, error) = Run("export", "--checkpoint", folder.Combine(TorchCheckpoint.FileName), "--out", folder.Combine("out", "model.onnx"),
            "--labels", "Parasitized,Uninfected", "--average-views", "--calibration", calibration);

        Assert.That(code, Is.Zero, error);
        var card = ModelCard.Load(folder.Combine("out", ModelCard.FileName));
        Assert.That(card.Calibration!.Single().Views, Is.EqualTo(8));
        Assert.That(card.OperatingPoints!.Select(p => p.Name), Is.EqualTo(new[] { "balanced", "screening" }));
        Assert.That(card.DefaultOperatingPoint, Is.EqualTo("balanced"));
        // The card calibrates the 8 views it recommends, so the library is asked for them; one view would fail at load.
        using var classifier = MalariaClassifier.Load(folder.Combine("out", "model.onnx"), new MalariaClassifierOptions { Views = ScoringViews.Dihedral });
        Assert.That(classifier.Model.Temperature, Is.EqualTo(card.Calibration![0].Temperature));
        Assert.That(() => MalariaClassifier.Load(folder.Combine("out", "model.onnx")),
            Throws.InstanceOf<Malaria.Inference.Models.ModelLoadException>().With.Message.Contains("1 view"));
        Assert.That(classifier.Model.OperatingPoints.Select(p => p.Name), Is.EqualTo(new[] { "balanced", "screening" }));
    }

    [Test]
    public void CalibrationForOtherViewsOrBesideAThresholdIsAClearError()
    {
        using var folder = new TempFolder();
        using (WriteRun(folder.Path, "cnn")) { }
        var calibration = CalibrationFor(folder, views: 8);

        var (code, error) = Run("export", "--checkpoint", folder.Combine(TorchCheckpoint.FileName), "--out", folder.Combine("a", "model.onnx"),
            "--labels", "Parasitized,Uninfected", "--calibration", calibration);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain("1 view"));

        (code, error) = Run("export", "--checkpoint", folder.Combine(TorchCheckpoint.FileName), "--out", folder.Combine("b", "model.onnx"),
            "--labels", "Parasitized,Uninfected", "--average-views", "--threshold", "0.4", "--calibration", calibration);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain("--threshold"));
    }
}
