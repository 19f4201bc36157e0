using System.CommandLine;
using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Export;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>faithfulness --model model.onnx --split split.csv</c>: masks the most-heated pixels of each positive cell of a split
/// part and compares the probability drop with masking random pixels (see <see cref="CamFaithfulness"/>).
/// </summary>
public static class FaithfulnessCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Exported ONNX model with a 'cam' output (model.json beside it).", Required = true };
        var split = new Option<FileInfo>("--split", "-s") { Description = "Split CSV (path,label,group,part) whose part is measured.", Required = true };
        var part = new Option<SplitPart>("--part") { Description = "Split part to measure; only its images of the positive label are used.", DefaultValueFactory = _ => SplitPart.Test };
        var fraction = new Option<double>("--fraction") { Description = "Share of each image's pixels to mask.", DefaultValueFactory = _ => 0.2 };
        var limit = new Option<int>("--limit") { Description = "Measure at most this many images (0: all), taken in split order.", DefaultValueFactory = _ => 0 };
        var seed = CommonOptions.Seed();
        var command = new Command("faithfulness", "Check that Grad-CAM heat marks what the model relies on: mask the hottest pixels of positive cells vs random pixels and compare the probability drops.")
        {
            model, split, part, fraction, limit, seed,
        };
        command.SetAction(parse =>
        {
            var modelPath = parse.GetRequiredValue(model).FullName;
            if (!File.Exists(modelPath)) throw new CommandLineException($"Model '{modelPath}' does not exist.");
            var cardPath = ModelCard.PathBeside(modelPath);
            if (!File.Exists(cardPath)) throw new CommandLineException($"Model card '{cardPath}' is missing.");
            var card = ModelCard.Load(cardPath);
            var share = parse.GetValue(fraction);
            if (share is <= 0 or > 1) throw new CommandLineException($"--fraction must be in (0, 1], got {share.ToString(CultureInfo.InvariantCulture)}.");
            var splitPath = parse.GetRequiredValue(split).FullName;
            var chosenPart = parse.GetValue(part);
            var images = SplitFile.Read(splitPath).Where(e => e.Part == chosenPart && e.Image.Label == card.PositiveLabel).Select(e => e.Image).ToList();
            var max = parse.GetValue(limit);
            if (max > 0) images = images.Take(max).ToList();
            if (images.Count == 0) throw new CommandLineException($"Split '{splitPath}' has no '{card.PositiveLabel}' images in part {chosenPart}.");

            CamFaithfulnessResult? result = null;
            AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var decoding = ctx.AddTask("Decoding", maxValue: images.Count);
                    var decoded = DecodedImageSet.Decode(images, card.Labels, card.InputWidth, new Progress<int>(n => decoding.Value = n));
                    decoding.Value = images.Count;
                    var measuring = ctx.AddTask("Masking", maxValue: images.Count);
                    result = CamFaithfulness.Measure(modelPath, card, decoded, share, parse.GetValue(seed), progress: new Progress<int>(n => measuring.Value = n));
                    measuring.Value = images.Count;
                });
            Print(result!, card.PositiveLabel, chosenPart, share);
            return 0;
        });
        return command;
    }

    private static void Print(CamFaithfulnessResult r, string positive, SplitPart part, double fraction)
    {
        var table = new Table().AddColumn("Masked pixels").AddColumn(new TableColumn($"Mean drop of P({Markup.Escape(positive)})").RightAligned());
        table.AddRow($"{fraction:P0} with the most heat", r.MeanDropTopHeat.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow($"{fraction:P0} random, anywhere", r.MeanDropRandom.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow($"{fraction:P0} random, inside the cell", r.MeanDropRandomCell.ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.MarkupLine($"{r.Images:N0} {Markup.Escape(positive)} images of the {part.ToString().ToLowerInvariant()} part; mean P({Markup.Escape(positive)}) before masking {r.MeanProbability:F4}; " +
            $"top-heat masking hurt more than random in-cell masking on {r.TopHeatWins:P1} of them; {r.EmptyMaps} empty map(s).");
        AnsiConsole.Write(table);
    }
}
