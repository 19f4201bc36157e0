using System.CommandLine;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>compare --data DIR [--split FILE] --out artifacts/compare</c>: trains every model the trainer offers on one
/// patient-level split, then puts their test metrics, size, speed and training time side by side.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: false);
        var split = new Option<FileInfo?>("--split") { Description = "Split CSV to use for every model; default: split --data by patient with --seed." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for one run folder per model and compare.md / compare.json / confusion-matrices.png.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "compare")) };
        var seed = CommonOptions.Seed();
        var only = new Option<string[]>("--only") { Description = $"Train only these ({string.Join(", ", ModelComparison.Contenders.Select(c => c.Name))}).", AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int?>("--epochs") { Description = "Epoch cap for the TorchSharp networks (default: each trainer's own)." };
        var retrain = new Option<bool>("--retrain") { Description = "Train every model again, even where --out already holds its finished run (by default such runs are reused and an interrupted TorchSharp run is resumed)." };
        var command = new Command("compare", "Train and evaluate every model the trainer offers on one patient-level split and tabulate accuracy, size, speed and training time.")
        {
            data, split, output, seed, only, epochs, retrain,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var folder = parse.GetRequiredValue(output).FullName;
            Directory.CreateDirectory(folder);
            var splitPath = Path.Combine(folder, "split.csv");
            if (parse.GetValue(split) is { } given) SplitFile.Write(splitPath, SplitFile.Read(given.FullName));
            else
            {
                var dataFolder = parse.GetValue(data)?.FullName ?? throw new CommandLineException("Give --data DIR (split by patient here) or --split FILE.");
                SplitFile.Write(splitPath, PatientSplitter.Split(DatasetLoading.Load(dataFolder, null).Images, parse.GetValue(seed)));
            }
            var chosen = parse.GetValue(only) is { Length: > 0 } names
                ? ModelComparison.Contenders.Where(c => names.Contains(c.Name)).ToList()
                : ModelComparison.Contenders.ToList();
            ModelComparison.Run(folder, splitPath, chosen, parse.GetValue(seed), parse.GetValue(epochs), parse.GetValue(retrain), cancellationToken);
            return Task.FromResult(0);
        });
        return command;
    }
}
