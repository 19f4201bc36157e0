using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Pipelines;
using Malaria.Training.Torch.Native;

namespace Malaria.Training.Tests.Torch;

/// <summary>Cross-validation by patient and the final fit without a validation part, on generated cells.</summary>
public class TorchCrossValidationTests
{
    private TempFolder temp = null!;

    [SetUp]
    public void SetUp()
    {
        TorchNativeRuntime.EnsureLoaded();
        temp = new TempFolder("malaria-cv-");
    }

    [TearDown]
    public void TearDown() => temp.Dispose();

    private static TorchTrainingOptions Options(int epochs) => new()
    {
        Architecture = TorchArchitecture.Cnn,
        ImageSize = 32,
        BatchSize = 16,
        Epochs = epochs,
        WarmupEpochs = 0.5,
        Threads = 1,
        Seed = 7,
    };

    /// <summary>72 PNG cells of patients C1..C12; C10..C12 are the test part, C7..C9 validation.</summary>
    private List<SplitEntry> Split()
    {
        var images = TorchTestImages.WritePngs(temp.Combine("data"), 72, 32, seed: 3);
        SplitPart PartOf(LabeledImage i) => int.Parse(i.Group[1..]) switch { > 9 => SplitPart.Test, > 6 => SplitPart.Validation, _ => SplitPart.Train };
        return [.. images.Select(i => new SplitEntry(i, PartOf(i)))];
    }

    [Test]
    public void EveryNonTestCellIsHeldOutOnceAndTheTestPartIsNeverRead()
    {
        var split = Split();
        var output = temp.Combine("cv");
        var result = new TorchCrossValidation(Options(1), 3, TrainingProgress.Silent()).Run(split, output)!;

        var nonTest = split.Where(e => e.Part != SplitPart.Test).Select(e => e.Image.Path).ToList();
        var heldOut = result.Folds.SelectMany(f => f.Paths).ToList();
        Assert.That(heldOut, Is.EquivalentTo(nonTest), "each training or validation cell is scored once, by the fold that did not train on it");
        Assert.That(result.Pooled.Count, Is.EqualTo(nonTest.Count));
        var patients = result.Folds.SelectMany(f => f.Patients).ToList();
        Assert.That(patients, Is.Unique, "a patient belongs to one fold");
        Assert.That(patients, Has.None.AnyOf("C10", "C11", "C12"));
        foreach (var f in result.Folds) Assert.That(f.TrainImages + f.Paths.Count, Is.EqualTo(nonTest.Count));
        // Each scoring's threshold analysis reads that scoring's scores: at 0.5 it agrees with its pooled metrics.
        Assert.That(result.Threshold.BaselineAccuracy, Is.EqualTo(result.Pooled.Accuracy).Within(1e-12));
        Assert.That(result.ViewsThreshold.BaselineAccuracy, Is.EqualTo(result.PooledViews.Accuracy).Within(1e-12));
        Assert.That(result.Threshold.FoldThresholds, Has.Length.EqualTo(3));
        Assert.That(result.ViewsThreshold.FoldThresholds, Has.Length.EqualTo(3));
        var report = File.ReadAllText(Path.Combine(output, TorchCrossValidation.ReportFile));
        Assert.That(report, Does.Contain("Decision threshold (one view)").And.Contain("Decision threshold (8 views)"));
        // The pooled intervals resample the 9 non-test patients and hold the pooled accuracy.
        Assert.That((result.Intervals.Unit, result.Intervals.Units), Is.EqualTo(("group", 9)));
        var accuracy = result.Intervals.Metrics["accuracy"];
        Assert.That(result.Pooled.Accuracy, Is.InRange(accuracy.Low, accuracy.High));
        Assert.That(result.ViewsIntervals.Metrics["accuracy"].High, Is.LessThanOrEqualTo(1.0));
        Assert.That(report, Does.Contain("95 % intervals, the 9 patients resampled whole"));
        foreach (var file in new[] { TorchCrossValidation.ResultFile, TorchCrossValidation.ReportFile, TorchCrossValidation.RefitSplitFile })
            Assert.That(File.Exists(Path.Combine(output, file)), file);

        // The refit split: validation patients join training; the test part is untouched.
        var refit = SplitFile.Read(result.RefitSplitPath);
        Assert.That(refit.Count(e => e.Part == SplitPart.Validation), Is.Zero);
        Assert.That(refit.Where(e => e.Part == SplitPart.Train).Select(e => e.Image.Path), Is.EquivalentTo(nonTest));
        Assert.That(refit.Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Path), Is.EquivalentTo(split.Where(e => e.Part == SplitPart.Test).Select(e => e.Image.Path)));
    }

    [Test]
    public void ARerunReusesFinishedFolds()
    {
        var split = Split();
        var output = temp.Combine("cv");
        var first = new TorchCrossValidation(Options(1), 2, TrainingProgress.Silent()).Run(split, output)!;
        var messages = new RecordingProgress();
        var again = new TorchCrossValidation(Options(1), 2, messages).Run(split, output)!;

        Assert.That(messages.Lines.Count(l => l.Contains("reused")), Is.EqualTo(2));
        Assert.That(messages.Lines, Has.None.Contains("epoch 1/1"), "nothing is trained again");
        Assert.That(again.Pooled.Accuracy, Is.EqualTo(first.Pooled.Accuracy));
        Assert.That(again.PooledViews.Auc, Is.EqualTo(first.PooledViews.Auc));
    }

    [Test]
    public void SelectedFoldsRunAloneAndTheRunThatFindsAllFinishedPoolsThem()
    {
        var split = Split();
        var output = temp.Combine("cv");
        var partial = new TorchCrossValidation(Options(1), 3, TrainingProgress.Silent(), new HashSet<int> { 2 }).Run(split, output);

        Assert.That(partial, Is.Null, "folds 1 and 3 are missing, so nothing is pooled");
        Assert.That(File.Exists(Path.Combine(output, "fold-2", "fold.json")));
        Assert.That(Directory.Exists(Path.Combine(output, "fold-1")), Is.False, "an unselected fold is not trained");
        Assert.That(File.Exists(Path.Combine(output, TorchCrossValidation.ResultFile)), Is.False);

        var messages = new RecordingProgress();
        var rest = new TorchCrossValidation(Options(1), 3, messages, new HashSet<int> { 1, 3 }).Run(split, output);
        Assert.That(rest, Is.Not.Null);
        Assert.That(messages.Lines.Count(l => l.Contains("reused")), Is.EqualTo(1), "fold 2 is reused although not selected");
        Assert.That(rest!.Folds.Select(f => f.Fold), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(rest.Pooled.Count, Is.EqualTo(split.Count(e => e.Part != SplitPart.Test)));
    }

    [Test]
    public void ARerunWithOtherSettingsInTheSameFolderIsRefused()
    {
        var split = Split();
        var output = temp.Combine("cv");
        new TorchCrossValidation(Options(1), 2, TrainingProgress.Silent()).Run(split, output);
        var ex = Assert.Throws<InvalidOperationException>(() =>
            new TorchCrossValidation(Options(1) with { CnnStages = "8x1,16x1" }, 2, TrainingProgress.Silent()).Run(split, output));
        Assert.That(ex!.Message, Does.Contain("other settings"));
    }

    [Test]
    public void WithoutAValidationPartEveryEpochRunsAndTheLastIsKept()
    {
        var train = TorchTestImages.Set(64, 32, seed: 1, "T");
        var none = TorchTestImages.Set(0, 32, seed: 2, "V");
        var test = TorchTestImages.Set(32, 32, seed: 3, "X");
        var data = new TorchTrainingData(TorchTestImages.Labels, 0, train, none, test);
        var folder = temp.Combine("refit");
        var result = new TorchTrainer(Options(3) with { Patience = 1 }, TrainingProgress.Silent()).Train(data, folder);

        Assert.That(result.Validation, Is.Null);
        Assert.That(result.Test, Is.Not.Null);
        Assert.That(result.State.EpochsDone, Is.EqualTo(3), "no early stopping without validation");
        Assert.That(result.State.BestEpoch, Is.EqualTo(2), "the last epoch is the kept one");
        Assert.That(result.State.History.Select(h => h.ValidationAccuracy), Has.All.NaN);
        Assert.That(File.ReadAllBytes(Path.Combine(folder, TorchTrainer.BestWeightsFile)), Is.Not.Empty);
    }

    private sealed class RecordingProgress() : TrainingProgress(TextWriter.Null, false)
    {
        public List<string> Lines { get; } = [];
        public override void Message(string text) => Lines.Add(text);
    }

    [Test]
    public void OneFinishedFoldIsCalibratedOverGroupsOfItsPatients()
    {
        var split = Split();
        var output = temp.Combine("cv");
        new TorchCrossValidation(Options(1), 3, TrainingProgress.Silent(), new HashSet<int> { 1 }).Run(split, output);

        Assert.That(() => FoldCalibration.Run(output, 0, 0.97, "balanced"), Throws.ArgumentException.With.Message.Contains("--groups"),
            "one fold cannot be cross-fitted against other folds");
        var (file, summary) = FoldCalibration.Run(output, 2, 0.97, "balanced");

        Assert.That(file.Calibration.Select(c => c.Views), Is.EqualTo(new[] { 1, 8 }));
        Assert.That(file.Calibration.All(c => double.IsFinite(c.Temperature) && c.Temperature > 0));
        Assert.That(file.OperatingPoints.Select(p => (p.Name, p.Views)),
            Is.EquivalentTo(new[] { ("balanced", 1), ("screening", 1), ("balanced", 8), ("screening", 8) }));
        Assert.That(file.Source, Does.Contain("fold 1").And.Contain("2 patient groups"));
        Assert.That(summary, Does.Contain("temperature"));
    }
}
