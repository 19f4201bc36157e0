using System.CommandLine;
using Malaria.Training.Evaluation;
using Malaria.Training.Pipelines;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>calibrate --cv DIR [--groups K]</c>: calibration.json from the folds a cross-validation has finished
/// (<see cref="FoldCalibration"/>); <c>crossvalidate</c> writes it by itself once every fold is done.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var cv = new Option<DirectoryInfo>("--cv") { Description = "A crossvalidate output folder; its finished folds (fold-K/fold.json) are used.", Required = true };
        var groups = new Option<int>("--groups") { Description = "Patient groups to cross-fit over (at least 2); default: one per finished fold.", DefaultValueFactory = _ => 0 };
        var target = CommonOptions.TargetSensitivity();
        var defaultPoint = CommonOptions.DefaultOperatingPoint();
        var output = new Option<FileInfo?>("--out", "-o") { Description = "File to write (default: calibration.json in --cv)." };
        var command = new Command("calibrate",
            "Fit temperature scaling and the balanced/screening operating points on the held-out predictions of a cross-validation's finished folds, cross-fitted over patient groups, into calibration.json for train/export --calibration.")
        {
            cv, groups, target, defaultPoint, output,
        };
        command.SetAction(parse =>
        {
            var k = parse.GetValue(groups);
            if (k is < 0 or 1) throw new CommandLineException($"--groups must be 2 or more (or left out for one group per finished fold); got {k}.");
            var targetSensitivity = CommonOptions.TargetSensitivityValue(parse.GetValue(target));
            var folder = parse.GetRequiredValue(cv).FullName;
            var (file, summary) = FoldCalibration.Run(folder, k, targetSensitivity, parse.GetRequiredValue(defaultPoint));
            var path = parse.GetValue(output)?.FullName ?? Path.Combine(folder, CalibrationFile.FileName);
            file.Save(path);
            Console.WriteLine(summary);
            Console.WriteLine($"Wrote {path} ({file.Source}).");
            return 0;
        });
        return command;
    }
}
