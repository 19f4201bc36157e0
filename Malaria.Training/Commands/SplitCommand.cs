using System.CommandLine;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary><c>split --data DIR --out FILE</c>: a patient-level, label-stratified train/validation/test split as CSV.</summary>
public static class SplitCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var groupPattern = CommonOptions.GroupPattern();
        var seed = CommonOptions.Seed();
        var output = new Option<FileInfo>("--out", "-o") { Description = "Split CSV to write (path,label,group,part).", Required = true };
        var validation = new Option<double>("--val") { Description = "Share of images for validation.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test") { Description = "Share of images for test.", DefaultValueFactory = _ => 0.2 };
        var sample = new Option<double>("--sample")
        {
            Description = "Keep only this share of each part's images (seeded), for quick runs; patients still never cross parts.",
            DefaultValueFactory = _ => 1.0,
        };
        var mergeValidation = new Option<bool>("--merge-validation")
        {
            Description = "Move the validation patients into training after splitting (a final fit once cross-validation has chosen the settings); the test part stays the same.",
        };
        var command = new Command("split", "Split a labeled image folder into train/validation/test by patient group, stratified by label, and write it as CSV.")
        {
            data, groupPattern, output, seed, validation, test, sample, mergeValidation,
        };
        command.SetAction(parse =>
        {
            Write(parse.GetRequiredValue(data).FullName, parse.GetValue(groupPattern), parse.GetRequiredValue(output).FullName, parse.GetValue(seed),
                parse.GetValue(validation), parse.GetValue(test), parse.GetValue(sample), parse.GetValue(mergeValidation));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Splits the images in <paramref name="data"/> by patient, writes the CSV to <paramref name="path"/> and prints
    /// the parts; the options' values are those of the command's options.
    /// </summary>
    public static IReadOnlyList<SplitEntry> Write(string data, string? groupPattern, string path, int seed = 42, double validation = 0.1, double test = 0.2,
        double sample = 1.0, bool mergeValidation = false)
    {
        var dataset = DatasetLoading.Load(data, groupPattern);
        if (dataset.Problems.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]{dataset.Problems.Count} file(s) left out; run 'inspect' for the list.[/]");
        var split = PatientSplitter.Split(dataset.Images, seed, validation, test);
        if (sample < 1.0) split = PatientSplitter.Sample(split, sample, seed);
        if (mergeValidation) split = PatientSplitter.MergeValidationIntoTraining(split);
        SplitFile.Write(path, split);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(path)}[/]");
        Print(split, dataset.Labels);
        return split;
    }

    /// <summary>Prints images, groups and label shares per part.</summary>
    public static void Print(IReadOnlyList<SplitEntry> split, IReadOnlyList<string> labels)
    {
        var table = new Table().AddColumn("Part").AddColumn(new TableColumn("Images").RightAligned()).AddColumn(new TableColumn("Groups").RightAligned());
        foreach (var label in labels) table.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned());
        foreach (var part in Enum.GetValues<SplitPart>())
        {
            var rows = split.Where(e => e.Part == part).ToList();
            var cells = new List<string> { part.ToString().ToLowerInvariant(), rows.Count.ToString("N0"), rows.Select(r => r.Image.Group).Distinct().Count().ToString("N0") };
            foreach (var label in labels)
            {
                var n = rows.Count(r => r.Image.Label == label);
                cells.Add(rows.Count == 0 ? "0" : $"{n:N0} ({100.0 * n / rows.Count:F1}%)");
            }
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }
}
