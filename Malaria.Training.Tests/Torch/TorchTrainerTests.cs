using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Commands;
using Malaria.Training.Torch.Native;
using Malaria.Training.Pipelines;
using TorchSharp;

namespace Malaria.Training.Tests.Torch;

public class TorchTrainerTests
{
    private TempFolder temp = null!;
    private string folder = "";

    [SetUp]
    public void SetUp()
    {
        TorchNativeRuntime.EnsureLoaded();
        temp = new TempFolder("malaria-torch-");
        folder = temp.Combine("run");
    }

    [TearDown]
    public void TearDown() => temp.Dispose();

    private static TorchTrainingData ToyData(int trainCount = 96) =>
        new(TorchTestImages.Labels, 0, TorchTestImages.Set(trainCount, 32, seed: 1, "T"), TorchTestImages.Set(32, 32, seed: 2, "V"), null);

    private static TorchTrainingOptions ToyOptions(int epochs) => new()
    {
        Architecture = TorchArchitecture.Cnn,
        ImageSize = 32,
        BatchSize = 16,
        Epochs = epochs,
        LearningRate = 3e-3,
        WarmupEpochs = 0.5,
        Patience = 0,
        Threads = 1,
        Seed = 7,
    };

    [Test]
    public void LossDecreasesOnALearnableToyTask()
    {
        var result = new TorchTrainer(ToyOptions(4), TrainingProgress.Silent()).Train(ToyData(), folder);

        var history = result.State.History;
        foreach (var h in history) TestContext.Out.WriteLine(h);
        Assert.That(history, Has.Count.EqualTo(4));
        Assert.That(history[^1].TrainLoss, Is.LessThan(history[0].TrainLoss * 0.7), "training loss should fall clearly");
        Assert.That(history[^1].TrainAccuracy, Is.GreaterThan(0.9));
        // After 24 steps BatchNorm's running statistics still lag, so judge unseen images by ranking (AUC), not by the 0.5 threshold.
        Assert.That(result.Validation!.Auc, Is.GreaterThan(0.9), "a dot is easy to find on unseen images");
        Assert.That(File.ReadAllLines(Path.Combine(folder, TorchTrainer.HistoryFile)), Has.Length.EqualTo(5));
    }

    [Test]
    public void ResumingAnInterruptedRunReachesTheSameState()
    {
        var straightFolder = Path.Combine(folder, "straight");
        var straight = new TorchTrainer(ToyOptions(2), TrainingProgress.Silent()).Train(ToyData(64), straightFolder);

        // Interrupt after the first epoch (cancellation is honoured between epochs), then resume.
        var resumedFolder = Path.Combine(folder, "resumed");
        using var cancel = new CancellationTokenSource();
        var stopAfterFirst = new CancelOnMessage(cancel, "epoch 1/2:");
        Assert.Throws<OperationCanceledException>(() => new TorchTrainer(ToyOptions(2), stopAfterFirst).Train(ToyData(64), resumedFolder, cancel.Token));
        Assert.That(TorchCheckpoint.ReadState(Path.Combine(resumedFolder, TorchCheckpoint.FileName)).EpochsDone, Is.EqualTo(1));
        var resumed = new TorchTrainer(ToyOptions(2) with { Resume = true }, TrainingProgress.Silent()).Train(ToyData(64), resumedFolder);

        Assert.That(resumed.State.History.Select(h => h.TrainLoss), Is.EqualTo(straight.State.History.Select(h => h.TrainLoss)).Within(1e-5));
        Assert.That(resumed.Validation!.Accuracy, Is.EqualTo(straight.Validation!.Accuracy));
        using var a = new MalariaCnn(2);
        using var b = new MalariaCnn(2);
        TorchCheckpoint.LoadWeights(Path.Combine(straightFolder, TorchTrainer.BestWeightsFile), a);
        TorchCheckpoint.LoadWeights(Path.Combine(resumedFolder, TorchTrainer.BestWeightsFile), b);
        var bState = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
            Assert.That(tensor.allclose(bState[name], rtol: 1e-4, atol: 1e-5), Is.True, name);
    }

    [Test]
    public void AWeightAverageIsKeptValidatedAndResumedWithoutChangingTraining()
    {
        // The last epoch is kept, so best.bin and checkpoint.bin hold the same epoch.
        var options = ToyOptions(2) with { WeightAverageDecay = 0.9, KeepLastEpoch = true };
        var plain = new TorchTrainer(ToyOptions(2) with { KeepLastEpoch = true }, TrainingProgress.Silent()).Train(ToyData(64), Path.Combine(folder, "plain"));
        var straightFolder = Path.Combine(folder, "straight");
        var straight = new TorchTrainer(options, TrainingProgress.Silent()).Train(ToyData(64), straightFolder);

        // The average only watches: training losses are the plain run's, validation is the averaged network's.
        Assert.That(straight.State.History.Select(h => h.TrainLoss), Is.EqualTo(plain.State.History.Select(h => h.TrainLoss)).Within(1e-6));
        Assert.That(straight.State.History.Select(h => h.ValidationLoss), Is.Not.EqualTo(plain.State.History.Select(h => h.ValidationLoss)));
        Assert.That(straight.State.WeightAverageDecay, Is.EqualTo(0.9));

        var resumedFolder = Path.Combine(folder, "resumed");
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => new TorchTrainer(options, new CancelOnMessage(cancel, "epoch 1/2:")).Train(ToyData(64), resumedFolder, cancel.Token));
        var mismatch = Assert.Throws<InvalidOperationException>(() =>
            new TorchTrainer(options with { WeightAverageDecay = 0, Resume = true }, TrainingProgress.Silent()).Train(ToyData(64), resumedFolder));
        Assert.That(mismatch!.Message, Does.Contain("weight average decay 0.9, not off"));
        var resumed = new TorchTrainer(options with { Resume = true }, TrainingProgress.Silent()).Train(ToyData(64), resumedFolder);

        Assert.That(resumed.State.History.Select(h => h.ValidationLoss), Is.EqualTo(straight.State.History.Select(h => h.ValidationLoss)).Within(1e-5));
        using var a = new MalariaCnn(2);
        using var b = new MalariaCnn(2);
        using var trained = new MalariaCnn(2);
        TorchCheckpoint.LoadWeights(Path.Combine(straightFolder, TorchTrainer.BestWeightsFile), a);
        TorchCheckpoint.LoadWeights(Path.Combine(resumedFolder, TorchTrainer.BestWeightsFile), b);
        TorchCheckpoint.LoadWeights(Path.Combine(folder, "plain", TorchTrainer.BestWeightsFile), trained);
        var bState = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
            Assert.That(tensor.allclose(bState[name], rtol: 1e-4, atol: 1e-5), Is.True, name);
        Assert.That(a.state_dict()["classifier.weight"].allclose(trained.state_dict()["classifier.weight"], rtol: 1e-3, atol: 1e-4), Is.False,
            "the kept weights are the average, not the last trained ones");
        using var exported = Malaria.Training.Export.ExportableCheckpoint.Load(Path.Combine(straightFolder, TorchCheckpoint.FileName), TorchTestImages.Labels).Model;
        var exportedState = exported.state_dict();
        foreach (var (name, tensor) in a.state_dict())
            Assert.That(tensor.allclose(exportedState[name], rtol: 0, atol: 0), Is.True, $"an export of checkpoint.bin takes the averaged {name}");
    }

    [Test]
    public void LabelSmoothingKeepsTheTrainingLossAboveItsFloorAndStillLearns()
    {
        // Targets 0.9 / 0.1 (s = 0.2, two classes): cross-entropy cannot fall below their entropy, about 0.325.
        var floor = -(0.9 * Math.Log(0.9) + 0.1 * Math.Log(0.1));
        var smoothed = new TorchTrainer(ToyOptions(4) with { LabelSmoothing = 0.2 }, TrainingProgress.Silent()).Train(ToyData(), Path.Combine(folder, "smoothed"));
        var plain = new TorchTrainer(ToyOptions(4), TrainingProgress.Silent()).Train(ToyData(), Path.Combine(folder, "plain"));

        Assert.That(smoothed.State.History.Select(h => h.TrainLoss), Has.All.GreaterThanOrEqualTo(floor - 1e-3));
        Assert.That(plain.State.History[^1].TrainLoss, Is.LessThan(floor), "hard labels let the loss go under the smoothed floor");
        Assert.That(smoothed.State.History[^1].TrainAccuracy, Is.GreaterThan(0.9), "the smoothed network still learns the task");
    }

    [Test]
    public void MixupStillLearnsTheToyTask()
    {
        var mixed = new TorchTrainer(ToyOptions(6) with { MixupAlpha = 0.2 }, TrainingProgress.Silent()).Train(ToyData(), Path.Combine(folder, "mixed"));
        var plain = new TorchTrainer(ToyOptions(6), TrainingProgress.Silent()).Train(ToyData(), Path.Combine(folder, "plain"));

        TestContext.Out.WriteLine($"mixup AUC {mixed.Validation!.Auc}, train accuracy {mixed.State.History[^1].TrainAccuracy}");
        // As in LossDecreasesOnALearnableToyTask: BatchNorm's running statistics lag after a few dozen steps, so unseen images are judged by AUC.
        Assert.That(mixed.Validation!.Auc, Is.GreaterThan(0.9), "the network trained on blends still finds the dot on unseen images");
        Assert.That(mixed.State.History[^1].TrainAccuracy, Is.GreaterThan(0.8), "and names the larger part of most blends");
        Assert.That(mixed.State.History[0].TrainLoss, Is.Not.EqualTo(plain.State.History[0].TrainLoss), "mixup changed what was trained on");
    }

    /// <summary>A teacher file for <paramref name="set"/>: 0.9 for the positive (first) label, 0.1 for the other, as score would write it.</summary>
    private string TeacherFile(DecodedImageSet set, int skip = 0)
    {
        var path = Path.Combine(temp.Combine("teacher"), $"scores-{skip}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, ["path,probability", .. set.Images.Skip(skip).Select((image, i) => $"{Path.GetFileName(image.Path)},{(set.Labels[i + skip] == 0 ? "0.9" : "0.1")}")]);
        return path;
    }

    [Test]
    public void DistillationStillLearnsTheToyTaskAndChangesWhatWasTrainedOn()
    {
        var data = ToyData();
        var distilled = new TorchTrainer(ToyOptions(6) with { Distillation = new Distillation(TeacherFile(data.Train), Weight: 0.5, Temperature: 1) }, TrainingProgress.Silent())
            .Train(data, Path.Combine(folder, "distilled"));
        var plain = new TorchTrainer(ToyOptions(6), TrainingProgress.Silent()).Train(ToyData(), Path.Combine(folder, "plain"));

        TestContext.Out.WriteLine($"distilled AUC {distilled.Validation!.Auc}, plain {plain.Validation!.Auc}; train accuracy {distilled.State.History[^1].TrainAccuracy}");
        // Six epochs leave BatchNorm's running statistics lagging (the plain run scores about 0.86 too), so unseen images are judged by AUC well above chance.
        Assert.That(distilled.Validation!.Auc, Is.GreaterThan(0.8), "the student taught by a teacher that agrees with the labels still finds the dot on unseen images");
        Assert.That(distilled.State.History[^1].TrainAccuracy, Is.GreaterThan(0.9), "and on the images it trained on");
        Assert.That(distilled.State.History[0].TrainLoss, Is.Not.EqualTo(plain.State.History[0].TrainLoss), "the teacher changed the loss");
    }

    [Test]
    public void ATeacherMissingTrainingImagesStopsBeforeTheFirstEpoch()
    {
        var data = ToyData();
        var options = ToyOptions(2) with { Distillation = new Distillation(TeacherFile(data.Train, skip: 5)) };

        Assert.That(() => new TorchTrainer(options, TrainingProgress.Silent()).Train(data, folder),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("5 of the 96 training images"));
        Assert.That(File.Exists(Path.Combine(folder, TorchCheckpoint.FileName)), Is.False, "nothing was trained");
    }

    [Test]
    public void TheCommandLineBuildsADistillationOnlyWithATeacher()
    {
        var distillation = TorchCommandLine.Parse("--trainer", "cnn", "--teacher", "teacher.csv", "--distill-temperature", "2").Distillation;
        Assert.That(distillation, Is.Not.Null);
        Assert.That(distillation!.Teacher, Is.EqualTo(Path.GetFullPath("teacher.csv")));
        Assert.That((distillation.Weight, distillation.Temperature), Is.EqualTo((Distillation.DefaultWeight, 2.0)));
        Assert.That(TorchCommandLine.Parse("--trainer", "cnn").Distillation, Is.Null, "off by default");

        foreach (var args in new[] { new[] { "--distill-weight", "0.5" }, ["--teacher", "t.csv", "--distill-weight", "0"], ["--teacher", "t.csv", "--distill-weight", "1.5"],
                     ["--teacher", "t.csv", "--distill-temperature", "0"], ["--teacher", "t.csv", "--mixup", "0.2"] })
            Assert.That(() => TorchCommandLine.Parse(["--trainer", "cnn", .. args]), Throws.TypeOf<CommandLineException>(), string.Join(' ', args));
    }

    [TestCase("0.2", true)]
    [TestCase("-0.2", false)]
    [TestCase("11", false)]
    public void TheCommandLineTakesAMixupAlphaFromZeroToTen(string value, bool accepted)
    {
        if (accepted) Assert.That(TorchCommandLine.Parse("--trainer", "cnn", "--mixup", value).MixupAlpha, Is.EqualTo(0.2));
        else Assert.That(() => TorchCommandLine.Parse("--trainer", "cnn", "--mixup", value), Throws.TypeOf<Malaria.Training.Commands.CommandLineException>().With.Message.Contains("--mixup"));
    }

    [TestCase("0.1", true)]
    [TestCase("1", false)]
    [TestCase("-0.1", false)]
    public void TheCommandLineTakesALabelSmoothingFromZeroToBelowOne(string value, bool accepted)
    {
        if (accepted) Assert.That(TorchCommandLine.Parse("--trainer", "cnn", "--label-smoothing", value).LabelSmoothing, Is.EqualTo(0.1));
        else Assert.That(() => TorchCommandLine.Parse("--trainer", "cnn", "--label-smoothing", value), Throws.TypeOf<Malaria.Training.Commands.CommandLineException>().With.Message.Contains("--label-smoothing"));
    }

    [Test]
    public void SameSeedRepeatsTheRunAndAnotherSeedDoesNot()
    {
        TorchTrainingResult Run(string name, int seed) =>
            new TorchTrainer(ToyOptions(2) with { Seed = seed }, TrainingProgress.Silent()).Train(ToyData(64), Path.Combine(folder, name));
        var first = Run("first", 7);
        var again = Run("again", 7);
        var other = Run("other", 8);

        Assert.That(again.State.History.Select(h => h.TrainLoss), Is.EqualTo(first.State.History.Select(h => h.TrainLoss)).Within(1e-6));
        Assert.That(again.State.History.Select(h => h.ValidationLoss), Is.EqualTo(first.State.History.Select(h => h.ValidationLoss)).Within(1e-6));
        Assert.That(again.Validation!.Accuracy, Is.EqualTo(first.Validation!.Accuracy));
        Assert.That(other.State.History[0].TrainLoss, Is.Not.EqualTo(first.State.History[0].TrainLoss).Within(1e-6),
            "the seed drives initialisation, shuffling and augmentation");
    }

    [Test]
    public void ResumeWithoutCheckpointIsAClearError()
    {
        var ex = Assert.Throws<FileNotFoundException>(() =>
            new TorchTrainer(ToyOptions(1) with { Resume = true }, TrainingProgress.Silent()).Train(ToyData(32), folder));
        Assert.That(ex!.Message, Does.Contain("no checkpoint"));
    }

    [Test]
    public void EndToEndOnPngsHonoursTheSplit()
    {
        var images = TorchTestImages.WritePngs(Path.Combine(folder, "data"), 72, 40, seed: 3);
        // Patients C1..C12: the last three are the test part, the three before validation.
        SplitPart PartOf(LabeledImage i) => int.Parse(i.Group[1..]) switch { > 9 => SplitPart.Test, > 6 => SplitPart.Validation, _ => SplitPart.Train };
        var split = images.Select(i => new SplitEntry(i, PartOf(i))).ToList();

        var data = TorchTrainingData.FromSplit(split, 32, TrainingProgress.Silent());
        var trainPaths = data.Train.Images.Select(i => i.Path).ToHashSet();
        Assert.That(data.Train.Count, Is.EqualTo(split.Count(e => e.Part == SplitPart.Train)));
        Assert.That(data.Test!.Images.Select(i => i.Path), Has.None.AnyOf(trainPaths.ToArray()));
        Assert.That(data.Validation.Images.Select(i => i.Group).Intersect(data.Train.Images.Select(i => i.Group)), Is.Empty);

        var output = Path.Combine(folder, "run");
        var code = NetworkTraining.TrainAndEvaluate("cnn", ToyOptions(1) with { ImageSize = 32 }, split, output, TrainingProgress.Silent(), CancellationToken.None);
        Assert.That(code, Is.Zero);
        foreach (var file in new[] { "metrics.json", NetworkTraining.TrainingReportFile, "history.csv", "model.bin", "model.json", "split.csv", TorchCheckpoint.FileName })
            Assert.That(File.Exists(Path.Combine(output, file)), file);
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.That(metrics.RootElement.GetProperty("count").GetInt32(), Is.EqualTo(split.Count(e => e.Part == SplitPart.Test)));
        foreach (var name in new[] { "accuracy", "precision", "recall", "specificity", "f1", "auc", "logLoss", "confusionMatrix" })
            Assert.That(metrics.RootElement.TryGetProperty(name, out _), name);
        Assert.That(SplitFile.Read(Path.Combine(output, "split.csv")).Select(e => (e.Image.Path, e.Part)), Is.EquivalentTo(split.Select(e => (e.Image.Path, e.Part))));
    }

    [Test]
    public void ScheduleWarmsUpThenDecays()
    {
        var trainer = new TorchTrainer(ToyOptions(10) with { Schedule = LearningRateSchedule.Cosine, WarmupEpochs = 1, LearningRate = 1e-2 }, TrainingProgress.Silent());
        Assert.That(trainer.LearningRateAt(0, 10, 100), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(trainer.LearningRateAt(9, 10, 100), Is.EqualTo(1e-2).Within(1e-12));
        Assert.That(trainer.LearningRateAt(55, 10, 100), Is.LessThan(trainer.LearningRateAt(20, 10, 100)));
        Assert.That(trainer.LearningRateAt(99, 10, 100), Is.LessThan(1e-5));
        var oneCycle = new TorchTrainer(ToyOptions(10) with { LearningRate = 1e-2 }, TrainingProgress.Silent());
        Assert.That(oneCycle.LearningRateAt(0, 10, 100), Is.EqualTo(1e-2 / 25).Within(1e-3));
        Assert.That(oneCycle.LearningRateAt(29, 10, 100), Is.EqualTo(1e-2).Within(1e-12));
    }

    private sealed class CancelOnMessage(CancellationTokenSource cancel, string prefix) : TrainingProgress(TextWriter.Null, false)
    {
        public override void Message(string text)
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal)) cancel.Cancel();
        }
    }
}
