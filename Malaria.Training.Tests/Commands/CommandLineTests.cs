using Malaria.Training;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Commands;

/// <summary>The CLI's contract: help on every command, exit 0 on success, non-zero with one line on error.</summary>
[NonParallelizable]
public class CommandLineTests
{
    private static (int Code, string Error) Run(params string[] args) => Cli.Run(args);

    [Test]
    public void EveryCommandHasHelp()
    {
        foreach (var command in CommandLineApp.Build().Subcommands)
        {
            var (code, error) = Run(command.Name, "--help");
            Assert.That(code, Is.Zero, command.Name);
            Assert.That(error, Is.Empty, command.Name);
            Assert.That(command.Description, Is.Not.Empty, command.Name);
        }
    }

    [Test]
    public void AMissingDataFolderExitsNonZeroWithOneLine()
    {
        var (code, error) = Run("inspect", "--data", "/no/such/folder");
        Assert.That(code, Is.Not.Zero);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain("/no/such/folder"));
    }

    [Test]
    public void VerbosePrintsTheStackTrace()
    {
        var (code, error) = Run("inspect", "--data", "/no/such/folder", "--verbose");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("DirectoryNotFoundException").And.Contain(" at "));
    }

    [Test]
    public void SplitWritesACsvThatReadsBack()
    {
        using var tree = new TempFolder();
        for (var p = 0; p < 10; p++)
        {
            tree.Write($"data/Parasitized/C{p}P_cell_1.png", TestImages.Png(TestImages.Tint.Red, seed: (byte)p));
            tree.Write($"data/Uninfected/C{p}P_cell_2.png", TestImages.Png(TestImages.Tint.Red, seed: (byte)(100 + p)));
        }
        var output = tree.Combine("split.csv");
        var (code, error) = Run("split", "--data", tree.Combine("data"), "--out", output, "--seed", "3");
        Assert.That(code, Is.Zero, error);
        var split = Malaria.Training.Data.SplitFile.Read(output);
        Assert.That(split, Has.Count.EqualTo(20));
        Assert.That(split.Select(e => e.Part).Distinct().ToList(), Has.Count.EqualTo(3));
    }
}
