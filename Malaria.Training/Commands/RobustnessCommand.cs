using System.CommandLine;
using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Pipelines;
using Malaria.Training.Robustness;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>robustness --model default|FILE --split FILE [--part test] | --data DIR --out DIR [--seed 42]</c>: scores a labeled
/// set clean and under every controlled shift of <see cref="ShiftCatalogue"/> at three severities, through the inference
/// library, and writes robustness.csv, report.md, robustness.png and examples.png.
/// </summary>
public static class RobustnessCommand
{
    /// <summary>The <c>--model</c> value that names the model built into Malaria.Inference.</summary>
    public const string ShippedModel = EvaluateCommand.ShippedModel;

    /// <summary>The <c>robustness</c> command with its options.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"model.zip or model.onnx (model.json beside it), or '{ShippedModel}' for the model built into Malaria.Inference.",
            Required = true,
        };
        var split = new Option<FileInfo?>("--split", "-s") { Description = "Split CSV (path,label,group,part); the images of --part are scored." };
        var part = new Option<SplitPart>("--part") { Description = "Which part of --split to score.", DefaultValueFactory = _ => SplitPart.Test };
        var data = CommonOptions.Data(required: false);
        data.Description += " Every image is scored; give this or --split.";
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for robustness.csv, report.md, robustness.png and examples.png.", Required = true };
        var seed = CommonOptions.Seed();
        var only = new Option<string[]>("--shift")
        {
            Description = $"Run only these shifts (repeatable; the clean set is always scored): {string.Join(", ", ShiftCatalogue.All.Select(s => s.Name))}. Default: all.",
            AllowMultipleArgumentsPerToken = true,
        };
        var frameCrops = new Option<bool>("--frame-crops")
        {
            Description = "Let the library frame crops like the training crops before scoring (MalariaClassifierOptions.FrameCrops, its default); false scores every shifted crop as it is.",
            DefaultValueFactory = _ => new MalariaClassifierOptions().FrameCrops,
        };
        var command = new Command("robustness", "Score a labeled set clean and under controlled shifts (stain, brightness, blur, noise, JPEG, scale, background, position) at three severities each, and write a table, a report and pictures.")
        {
            model, split, part, data, output, seed, only, frameCrops,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var modelArgument = parse.GetRequiredValue(model);
            var splitPath = parse.GetValue(split)?.FullName;
            var dataFolder = parse.GetValue(data)?.FullName;
            if ((splitPath is null) == (dataFolder is null)) throw new CommandLineException("Give either --split FILE (with --part) or --data DIR, not both and not neither.");
            var chosenPart = parse.GetValue(part);
            IReadOnlyList<LabeledImage> images = splitPath is not null
                ? [.. SplitFile.Read(splitPath).Where(e => e.Part == chosenPart).Select(e => e.Image)]
                : DatasetLoading.Load(dataFolder!, groupPattern: null).Images;
            var dataText = splitPath is not null ? $"split `{splitPath}`, part {chosenPart.ToString().ToLowerInvariant()}" : $"every image of `{dataFolder}`";
            if (images.Count == 0) throw new CommandLineException($"No images to score: {dataText.Replace("`", "'", StringComparison.Ordinal)} is empty.");

            using var classifier = ModelArgument.Load(modelArgument, new MalariaClassifierOptions { FrameCrops = parse.GetValue(frameCrops) });
            var unknown = images.FirstOrDefault(i => !classifier.Labels.Contains(i.Label));
            if (unknown is not null)
                throw new CommandLineException($"Image '{unknown.Path}' has label '{unknown.Label}', which the model does not know ({string.Join(", ", classifier.Labels)}).");

            var outFolder = parse.GetRequiredValue(output).FullName;
            var seedValue = parse.GetValue(seed);
            var chosen = parse.GetValue(only) ?? [];
            IReadOnlyList<ImageShift> shifts;
            try { shifts = chosen.Length == 0 ? ShiftCatalogue.All : [.. chosen.Select(ShiftCatalogue.Find)]; }
            catch (ArgumentException ex) { throw new CommandLineException(ex.Message); }
            var steps = RobustnessBenchmark.Steps(shifts).Count;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            BenchmarkCells? cells = null;
            IReadOnlyList<RobustnessRow>? rows = null;
            RobustnessProgress.Run(images.Count, steps, (decoding, scoring) =>
            {
                cells = BenchmarkCells.Decode(images, classifier.Model.Card.PositiveLabel, classifier.ImageLimits, decoding);
                rows = RobustnessBenchmark.Run(classifier, cells, seedValue, shifts, scoring, cancellationToken);
            });
            var elapsed = watch.Elapsed;
            var examples = ExampleSheet.Draw(classifier, cells!, ExampleSheet.Choose(cells!, seedValue), seedValue, shifts);
            var info = new RobustnessRunInfo(DescribeModel(classifier, modelArgument, parse.GetValue(frameCrops)), dataText,
                "dotnet run -c Release --project Malaria.Training -- " + string.Join(' ', parse.Tokens.Select(t => t.Value)), seedValue, elapsed);
            RobustnessReport.Write(outFolder, rows!, shifts, info, cells!, examples);
            Print(rows!);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{cells!.Count:N0} cells x {rows!.Count} scorings in {elapsed.TotalMinutes:F1} min; wrote {RobustnessReport.CsvFile}, {RobustnessReport.MarkdownFile}, {RobustnessReport.ChartFile} and {RobustnessReport.ExamplesFile} to {outFolder}")));
            // Synchronous work; the token is what lets Ctrl+C stop it between chunks.
            return Task.FromResult(0);
        });
        return command;
    }

    private static string DescribeModel(MalariaClassifier classifier, string modelArgument, bool frameCrops)
    {
        var card = classifier.Model.Card;
        var what = string.Equals(modelArgument, ShippedModel, StringComparison.Ordinal) ? "the built-in default model of Malaria.Inference" : $"`{classifier.ModelPath}`";
        var views = card.Views is { } section ? $", {section.InGraph} view(s) in the graph, {section.Recommended} recommended"
            : card.Properties?.TryGetValue("views", out var v) == true ? $", {v} views" : "";
        var framing = frameCrops ? "crops framed like the training crops before scoring" : "crops scored as they are (no framing)";
        return $"{what} (version {classifier.Version[..12]}, trainer {card.Trainer ?? "unknown"}, input {card.InputWidth}x{card.InputHeight}{views}); {framing}";
    }

    private static void Print(IReadOnlyList<RobustnessRow> rows)
    {
        var table = new Table().AddColumn("Shift").AddColumn("Severity").AddColumn("Parameters")
            .AddColumn(new TableColumn("Recall").RightAligned()).AddColumn(new TableColumn("Specificity").RightAligned()).AddColumn(new TableColumn("AUC").RightAligned());
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Shift), r.Severity.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Parameters),
                RobustnessReport.Percent(r.Metrics.Recall), RobustnessReport.Percent(r.Metrics.Specificity), RobustnessReport.Auc(r.Metrics.RocAuc));
        AnsiConsole.Write(table);
    }
}
