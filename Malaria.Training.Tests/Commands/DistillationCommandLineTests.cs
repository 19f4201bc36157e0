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

    [TestCase("train", "cv/fold-{fold}/scores.csv", "{fold}", "crossvalidate", TestName = "train refuses a per-fold teacher")]
    [TestCase("crossvalidate", "final/scores.csv", "one teacher per fold", "held-out patients", TestName = "crossvalidate refuses one teacher for every fold")]
    public void TheWrongKindOfTeacherIsRefusedBeforeAnythingIsWritten(string command, string teacher, string says, string andSays)
    {
        var (code, error) = Cli.Run(command, "--trainer", "cnn", "--split", split, "--out", temp.Combine("run"), "--teacher", teacher);

        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(says).And.Contain(andSays));
        Assert.That(Directory.Exists(temp.Combine("run")), Is.False);
    }
}
