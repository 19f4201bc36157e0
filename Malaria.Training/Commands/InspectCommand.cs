using System.CommandLine;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary><c>inspect --data DIR</c>: counts, groups, sizes and every problem found in a labeled image folder.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var groupPattern = CommonOptions.GroupPattern();
        var command = new Command("inspect", "Report label counts, patient groups, image sizes and every problem found in a labeled image folder.")
        {
            data, groupPattern,
        };
        command.SetAction(parse =>
        {
            var dataset = DatasetLoading.Load(parse.GetRequiredValue(data).FullName, parse.GetValue(groupPattern));
            Print(dataset);
            return 0;
        });
        return command;
    }

    /// <summary>Prints the report for a loaded dataset.</summary>
    public static void Print(ImageFolderDataset dataset)
    {
        var console = AnsiConsole.Console;
        console.MarkupLine($"Data: [bold]{Markup.Escape(dataset.Root)}[/]");
        var table = new Table().AddColumn("Label").AddColumn(new TableColumn("Images").RightAligned()).AddColumn(new TableColumn("Groups").RightAligned());
        foreach (var (label, count) in dataset.CountByLabel)
            table.AddRow(Markup.Escape(label), count.ToString("N0"), dataset.Images.Where(i => i.Label == label).Select(i => i.Group).Distinct().Count().ToString("N0"));
        table.AddRow("[bold]Total[/]", $"[bold]{dataset.Images.Count:N0}[/]", $"[bold]{dataset.GroupCount:N0}[/]");
        console.Write(table);
        console.MarkupLine($"Patient groups: [bold]{dataset.GroupCount}[/] (pattern {Markup.Escape(dataset.GroupPattern)}; {dataset.UnmatchedGroupFiles} file(s) matched no pattern and are their own group)");
        if (dataset.Sizes.Count > 0)
        {
            var widths = dataset.Sizes.Select(s => s.Width).Order().ToList();
            var heights = dataset.Sizes.Select(s => s.Height).Order().ToList();
            console.MarkupLine($"Image size: width {widths[0]}-{widths[^1]} px, height {heights[0]}-{heights[^1]} px, median {widths[widths.Count / 2]}x{heights[heights.Count / 2]}");
        }
        if (dataset.NestedDuplicateTree is { } nested)
            console.MarkupLine($"Nested duplicate tree detected and skipped: {Markup.Escape(nested)}");
        if (dataset.Problems.Count == 0)
        {
            console.MarkupLine("Problems: none");
            return;
        }
        console.MarkupLine($"Problems: {dataset.Problems.Count} file(s) left out");
        foreach (var kind in dataset.Problems.GroupBy(p => p.Kind))
        {
            console.MarkupLine($"  {Describe(kind.Key)}: {kind.Count()}");
            foreach (var problem in kind)
                console.WriteLine($"    {problem.Path}: {problem.Detail}");
        }
    }

    private static string Describe(ImageFolderProblemKind kind) => kind switch
    {
        ImageFolderProblemKind.NotAnImage => "skipped (not an image)",
        ImageFolderProblemKind.Empty => "empty",
        ImageFolderProblemKind.Corrupt => "corrupt or truncated",
        ImageFolderProblemKind.Duplicate => "duplicate",
        ImageFolderProblemKind.ConflictingLabels => "same file under two labels",
        _ => kind.ToString(),
    };
}
