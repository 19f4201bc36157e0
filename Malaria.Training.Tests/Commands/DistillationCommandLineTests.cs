using Malaria.Training.Data;

namespace Malaria.Training.Tests.Commands;

/// <summary>Which commands take one teacher and which one per fold.</summary>
[NonParallelizable]
public class DistillationCommandLineTests
{
    private TempFolder temp = null!;
    private string split = "";

    [SetUp]
    public void SetUp()
    {
        temp = new TempFolder("malaria-distill-cli-");
        split = temp.Combine("split.csv");
        SplitFile.Write(split, [new SplitEntry(new LabeledImage(temp.Combine("a.png"), "Parasitized", "P1"), SplitPart.Train)]);
    }

    [TearDown]
    public void TearDown() => temp.Dispose();

    [Test]
    public void TrainRefusesAPerFoldTeacher()
    {
        var (code, error) = Cli.Run("train", "--trainer", "cnn", "--split", split, "--out", temp.Combine("run"), "--teacher", "cv/fold-{fold}/scores.csv");

        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("{fold}").And.Contain("crossvalidate"));
        Assert.That(Directory.Exists(temp.Combine("run")), Is.False, "refused before anything was written");
    }

    [Test]
    public void CrossValidateRefusesOneTeacherForEveryFold()
    {
        var (code, error) = Cli.Run("crossvalidate", "--trainer", "cnn", "--split", split, "--out", temp.Combine("cv"), "--teacher", "final/scores.csv");

        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("one teacher per fold").And.Contain("held-out patients"));
        Assert.That(Directory.Exists(temp.Combine("cv")), Is.False, "refused before anything was written");
    }
}
