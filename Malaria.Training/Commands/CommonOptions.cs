using Malaria.Training.Evaluation;
using Malaria.Training.Pipelines;
using System.CommandLine;
using Malaria.Training.Data;

namespace Malaria.Training.Commands;

/// <summary>Options several commands share, created fresh per command (System.CommandLine symbols have one parent).</summary>
public static class CommonOptions
{
    /// <summary><c>--data DIR</c>: a labeled image-folder tree.</summary>
    public static Option<DirectoryInfo> Data(bool required = true) => new("--data", "-d")
    {
        Description = "Labeled image folder: one subfolder per label (e.g. cell_images with Parasitized/ and Uninfected/).",
        Required = required,
    };

    /// <summary><c>--group-pattern REGEX</c>: how patient groups are read from file names.</summary>
    public static Option<string?> GroupPattern() => new("--group-pattern")
    {
        Description = $"Regex over file names giving the patient group (first capture group, else the whole match). Default: NIH case number {PatientGroups.NihPattern}.",
    };

    /// <summary><c>--seed N</c>.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed; the same seed and data give the same result.",
        DefaultValueFactory = _ => 42,
    };

    /// <summary><c>--threshold T</c>: the Parasitized probability from which a cell is called infected (train and export).</summary>
    public static Option<double?> Threshold() => new("--threshold")
    {
        Description = "Call a cell Parasitized from this probability on instead of 0.5, in the final evaluation and inside the exported graph. Choose it with crossvalidate, never on the test part.",
    };

    /// <summary>A <c>--threshold</c> value (0.5 when absent), refused unless strictly between 0 and 1.</summary>
    public static double ThresholdValue(double? value) => value switch
    {
        null => 0.5,
        > 0 and < 1 => value.Value,
        _ => throw new CommandLineException($"--threshold {value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}: use a probability strictly between 0 and 1 (0.5 is the plain most-probable label)."),
    };

    /// <summary><c>--calibration FILE</c>: crossvalidate's calibration.json, written into model.json (train and export).</summary>
    /// <summary><c>--target-sensitivity</c>: what the screening operating point must reach on held-out cells.</summary>
    public static Option<double> TargetSensitivity() => new("--target-sensitivity")
    {
        Description = "Sensitivity the screening operating point must reach on held-out cells (the largest threshold that does).",
        DefaultValueFactory = _ => TorchCrossValidation.DefaultTargetSensitivity,
    };

    /// <summary>The <c>--target-sensitivity</c> given, checked.</summary>
    public static double TargetSensitivityValue(double value) =>
        value is > 0 and < 1 ? value
            : throw new CommandLineException($"--target-sensitivity must be between 0 and 1 (exclusive); got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");

    /// <summary><c>--default-operating-point</c>: balanced or screening.</summary>
    public static Option<string> DefaultOperatingPoint()
    {
        var option = new Option<string>("--default-operating-point")
        {
            Description = "The operating point calibration.json makes the model's default: balanced or screening.",
            DefaultValueFactory = _ => CrossFittedCalibration.BalancedName,
        };
        option.AcceptOnlyFromAmong(CrossFittedCalibration.BalancedName, CrossFittedCalibration.ScreeningName);
        return option;
    }

    public static Option<FileInfo?> Calibration() => new("--calibration")
    {
        Description = "calibration.json from crossvalidate (same settings): its temperature and operating points (balanced, screening) go into model.json, and the test part is scored calibrated.",
    };

    /// <summary>Reads a <c>--calibration</c> file (null when absent); refused beside a <c>--threshold</c> other than 0.5.</summary>
    internal static Malaria.Training.Evaluation.CalibrationFile? LoadCalibration(string? path, double threshold)
    {
        if (path is null) return null;
        if (threshold != 0.5) throw new CommandLineException("--calibration and --threshold do not go together: the calibration's operating points replace a threshold in the graph.");
        try { return Malaria.Training.Evaluation.CalibrationFile.Load(path); }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException) { throw new CommandLineException($"--calibration: {ex.Message}"); }
    }

    /// <summary>
    /// Fails when the command line names an option that the chosen <paramref name="trainer"/> does not read: one
    /// <c>train</c> command serves several trainers, and an option silently ignored would look like it had been used.
    /// </summary>
    public static void RejectUnused(ParseResult parse, IEnumerable<Option> unused, string trainer, string usedBy)
    {
        var given = unused.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new CommandLineException($"{string.Join(", ", given)} {(given.Count == 1 ? "does" : "do")} not apply to --trainer {trainer} ({usedBy} only).");
    }
}
