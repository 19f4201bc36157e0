using System.CommandLine;
using System.Globalization;
using Malaria.Training.Torch;
using Malaria.Training.Evaluation;
using Malaria.Training.Pipelines;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>crossvalidate --trainer cnn|mobilenetv2 --folds K [train options] --out DIR</c>: patient-level k-fold
/// cross-validation of one TorchSharp configuration on the non-test patients (see <see cref="TorchCrossValidation"/>),
/// to choose between configurations on all ~80 of them instead of the 10 validation patients.
/// </summary>
public static class CrossValidateCommand
{
    public static Command Create()
    {
        var trainer = new Option<string>("--trainer") { Description = "Network: cnn or mobilenetv2.", DefaultValueFactory = _ => "cnn" };
        trainer.AcceptOnlyFromAmong([.. TorchTrainCommand.Trainers]);
        var folds = new Option<int>("--folds", "-k") { Description = "Number of folds (patients dealt so folds hold about as many cells).", DefaultValueFactory = _ => 5 };
        var only = new Option<int[]>("--fold")
        {
            Description = "Train only these folds (1-based, repeatable), to spread the folds over sessions or machines; finished folds are always reused.",
            AllowMultipleArgumentsPerToken = true,
        };
        var target = CommonOptions.TargetSensitivity();
        var defaultPoint = CommonOptions.DefaultOperatingPoint();
        var command = new Command("crossvalidate",
            "Cross-validate a TorchSharp configuration over the training and validation patients (k folds by patient; the test part is not read), " +
            "and write cv.md, cv.json and refit-split.csv for the final fit.")
        {
            trainer, folds, only, target, defaultPoint,
        };
        TorchTrainCommand.AddTo(command, trainer);
        command.SetAction((parse, token) =>
        {
            var k = parse.GetValue(folds);
            if (k < 2) throw new CommandLineException("--folds must be at least 2.");
            var selected = parse.GetValue(only) is { Length: > 0 } chosen ? chosen.ToHashSet() : null;
            if (selected is not null && selected.Any(f => f < 1 || f > k))
                throw new CommandLineException($"--fold takes fold numbers from 1 to {k}; got {string.Join(", ", selected.Order())}.");
            var targetSensitivity = CommonOptions.TargetSensitivityValue(parse.GetValue(target));
            var (_, options, split, output) = TorchTrainCommand.Parse(command, parse);
            if (options.Resume) throw new CommandLineException("crossvalidate resumes by itself: run the same command again with the same --out.");
            if (options.Distillation is { IsPerFold: false } single)
                throw new CommandLineException($"--teacher '{single.Teacher}': give one teacher per fold, a path with {Distillation.FoldPlaceholder} (fold-{Distillation.FoldPlaceholder}/scores.csv), each from a teacher that never saw that fold's held-out patients; one teacher for every fold has seen some fold's held-out patients, and its predictions would carry them into the student scored on them.");
            var result = new TorchCrossValidation(options, k, TrainingProgress.Console(), selected, targetSensitivity, parse.GetRequiredValue(defaultPoint)).Run(split, output, token);
            if (result is null) return Task.FromResult(0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Pooled held-out accuracy over {result.Pooled.Count:N0} cells: {result.Pooled.Accuracy:P2} (8 views {result.PooledViews.Accuracy:P2}), AUC {result.Pooled.Auc:F4}. Report: {Path.Combine(output, TorchCrossValidation.ReportFile)}"));
            Console.WriteLine($"Final fit: the same options with --split {result.RefitSplitPath} --calibration {result.CalibrationPath}");
            return Task.FromResult(0);
        });
        return command;
    }
}
