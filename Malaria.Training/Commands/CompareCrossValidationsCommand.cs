using System.CommandLine;
using System.Text.Json;
using Malaria.Inference.IO;
using Malaria.Training.Pipelines;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>compare-cv --baseline DIR --candidate DIR</c>: two <c>crossvalidate</c> runs of the same folds compared cell by
/// cell, with a paired patient-bootstrap interval of the difference (see <see cref="CrossValidationComparison"/>).
/// </summary>
public static class CompareCrossValidationsCommand
{
    public static Command Create()
    {
        var baseline = new Option<DirectoryInfo>("--baseline") { Description = "crossvalidate --out folder of the configuration to beat.", Required = true };
        var candidate = new Option<DirectoryInfo>("--candidate") { Description = "crossvalidate --out folder of the configuration tried (same split and --seed).", Required = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Report file (Markdown; a .json beside it). Default: paired-vs-BASELINE.md in the candidate's folder." };
        var command = new Command("compare-cv",
            "Compare two cross-validations of the same folds cell by cell: the difference in correct held-out cells and its 95 % interval, resampling patients.")
        {
            baseline, candidate, output,
        };
        command.SetAction(parse =>
        {
            var baselineFolder = parse.GetRequiredValue(baseline).FullName;
            var candidateFolder = parse.GetRequiredValue(candidate).FullName;
            var comparison = CrossValidationComparison.Compare(baselineFolder, candidateFolder);
            var report = parse.GetValue(output)?.FullName
                ?? Path.Combine(candidateFolder, $"paired-vs-{Path.GetFileName(baselineFolder.TrimEnd(Path.DirectorySeparatorChar))}.md");
            var markdown = comparison.ToMarkdown();
            Directory.CreateDirectory(Path.GetDirectoryName(report)!);
            AtomicFile.WriteAllText(report, markdown);
            AtomicFile.WriteAllText(Path.ChangeExtension(report, ".json"), JsonSerializer.Serialize(new
            {
                comparison.Baseline,
                comparison.Candidate,
                comparison.Folds,
                comparison.FoldsLeftOut,
                settingsThatDiffer = comparison.SettingsThatDiffer.ToDictionary(kv => kv.Key, kv => new { baseline = kv.Value.Baseline, candidate = kv.Value.Candidate }),
                comparison.Scorings,
            }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            Console.Write(markdown);
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(report)}[/] and its .json.");
            return 0;
        });
        return command;
    }
}
