using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Torch;

/// <summary>Parses a <c>train-torch</c> command line against a one-image split, for tests of option checks.</summary>
internal static class TorchCommandLine
{
    /// <summary>The options <paramref name="args"/> give (after <c>--split</c> and <c>--out</c>); throws what <see cref="TorchTrainCommand.Parse"/> throws.</summary>
    public static TorchTrainingOptions Parse(params string[] args)
    {
        using var temp = new TempFolder("malaria-options-");
        var split = temp.Combine("split.csv");
        SplitFile.Write(split, [new SplitEntry(new LabeledImage(temp.Combine("a.png"), "Parasitized", "P1"), SplitPart.Train)]);
        var command = TorchTrainCommand.Create();
        var parse = command.Parse(["--split", split, "--out", temp.Combine("run"), .. args]);
        return TorchTrainCommand.Parse(command, parse).Options;
    }
}
