namespace Malaria.Training.Tests.Commands;

/// <summary>One <c>train</c> command serves every trainer; an option the chosen trainer does not read is an error, not ignored.</summary>
public class TrainerOptionsTests
{
    [TestCase("mobilenetv2-features", "--shift", "4", "--shift")]
    [TestCase("mobilenetv2-features", "--epochs", "3", "--epochs")]
    [TestCase("mobilenetv2-features", "--stain-normalization", null, "--stain-normalization")]
    [TestCase("cnn", "--classifier", "SdcaMaximumEntropy", "--classifier")]
    [TestCase("cnn", "--eval-part", "validation", "--eval-part")]
    [TestCase("mobilenetv2", "--l2", "0.1", "--l2")]
    public void AnOptionTheTrainerDoesNotReadIsAnError(string trainer, string option, string? value, string named)
    {
        using var tree = new TempFolder();
        tree.Write("data/Parasitized/C1P1_cell_1.png", TestImages.Png(TestImages.Tint.Red));
        string[] args = ["train", "--trainer", trainer, "--data", tree.Combine("data"), "--out", tree.Combine("run"), option, .. value is null ? Array.Empty<string>() : [value]];
        var (code, error) = Cli.Run(args);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.StartWith("error: ").And.Contain(named).And.Contain($"does not apply to --trainer {trainer}"));
        Assert.That(Directory.Exists(tree.Combine("run")), Is.False, "nothing was trained or written");
    }
}
