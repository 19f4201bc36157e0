using System.CommandLine;
using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Scoring;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>score --input DIR|LIST|CSV --out DIR [--model default|FILE] [--format csv|jsonl] [--views 1|8] [--shard K/N | --shard-count N]
/// [--chunk-size 1000] [--group-column NAME]</c>: scores every image of a folder tree, file list or CSV into
/// <c>DIR/scores.csv</c> (or <c>.jsonl</c>) and <c>DIR/summary.csv</c>, resumably and in shards (see
/// <see cref="BatchScoring"/>). <c>score merge DIR... [--out DIR]</c> joins shards' folders.
/// </summary>
public static class ScoreCommand
{
    /// <summary>The variable a Kubernetes Indexed Job sets to the pod's index, read as the shard when <c>--shard</c> is absent.</summary>
    public const string CompletionIndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The <c>score</c> command with its <c>merge</c> subcommand.</summary>
    public static Command Create()
    {
        var input = new Option<string?>("--input", "-i") { Description = "A folder of images (searched recursively), a file list (one path a line, relative to the list's folder), or a CSV with a path or relpath column (a split, a manifest)." };
        var output = new Option<string?>("--out", "-o") { Description = $"Run folder: run.json, chunks/, and when every chunk is scored scores.csv or scores.jsonl and {GroupSummary.FileName}. Rerunning the same command resumes." };
        var model = new Option<string>("--model", "-m")
        {
            Description = $"model.zip or model.onnx (model.json beside it), or '{EvaluateCommand.ShippedModel}' for the model built into Malaria.Inference.",
            DefaultValueFactory = _ => EvaluateCommand.ShippedModel,
        };
        var format = new Option<string>("--format", "-f") { Description = "csv or jsonl.", DefaultValueFactory = _ => "csv" };
        var shard = new Option<string?>("--shard") { Description = $"K/N: score only shard K of N (0 <= K < N), chunks K, K+N, K+2N... Default: {CompletionIndexVariable} with --shard-count, else everything." };
        var shardCount = new Option<int?>("--shard-count") { Description = $"N, the number of shards, when the shard index comes from {CompletionIndexVariable} (a Kubernetes Indexed Job: set it to the Job's completions)." };
        var chunkSize = new Option<int>("--chunk-size")
        {
            Description = "Images per committed chunk: the most an interruption loses, and the unit shards share out. All shards and reruns of a run must use the same.",
            DefaultValueFactory = _ => ScoringOptions.DefaultChunkSize,
        };
        var groupColumn = new Option<string?>("--group-column") { Description = $"For a CSV input: the column the summary groups by. Default: the first of {string.Join(", ", ScoreInputReader.GroupColumns)} present, else the image's folder." };
        var views = new Option<int>("--views")
        {
            Description = "Score each image as 1 view, or as the mean of its 8 rotations and mirror images (8 times the work). Default: 1.",
            DefaultValueFactory = _ => 1,
        };
        views.AcceptOnlyFromAmong("1", "8");
        var command = new Command("score", "Score a folder, file list or CSV of cell images with a model into CSV or JSON Lines, with a per-patient summary; resumable, and shardable over many processes (Kubernetes Indexed Job).")
        {
            input, output, model, format, views, shard, shardCount, chunkSize, groupColumn, CreateMerge(),
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var inputPath = parse.GetValue(input) ?? throw new CommandLineException("--input is required: a folder of images, a file list or a CSV with a path column.");
            var outFolder = parse.GetValue(output) ?? throw new CommandLineException("--out is required: the run folder for the chunks and the merged scores.");
            var size = parse.GetValue(chunkSize);
            if (size < 1) throw new CommandLineException($"--chunk-size {size}: use at least 1 image per chunk.");
            var options = new ScoringOptions
            {
                OutFolder = Path.GetFullPath(outFolder),
                Format = ParseFormat(parse.GetValue(format)!),
                ChunkSize = size,
                Shard = ResolveShard(parse.GetValue(shard), parse.GetValue(shardCount), Environment.GetEnvironmentVariable(CompletionIndexVariable)),
            };
            if (File.Exists(options.OutFolder)) throw new CommandLineException($"--out '{options.OutFolder}' is a file; give a folder.");
            if (!File.Exists(inputPath) && !Directory.Exists(inputPath))
                throw new CommandLineException($"--input '{Path.GetFullPath(inputPath)}' does not exist: give a folder of images, a file list or a CSV with a path column.");
            var column = parse.GetValue(groupColumn);
            if (column is not null && ScoreInputReader.KindOf(inputPath) != ScoreInputKind.Manifest)
                throw new CommandLineException($"--group-column applies to a CSV input; '{inputPath}' is grouped by folder.");

            var scoreInput = ScoreInputReader.Read(inputPath, column);
            if (scoreInput.Items.Count == 0) throw new CommandLineException($"--input '{scoreInput.Source}' names no image (PNG, JPEG or BMP).");
            using var classifier = ModelArgument.Load(parse.GetValue(model)!, new MalariaClassifierOptions { Views = (ScoringViews)parse.GetValue(views) });
            var shardText = options.Shard.Count == 1 ? "score" : $"score shard {options.Shard}";
            Console.WriteLine($"{scoreInput.Items.Count:N0} images from {scoreInput.Source}; model {classifier.Name} {classifier.Version[..12]}, {(classifier.Model.ScoredViews == 1 ? "one view" : $"{classifier.Model.ScoredViews} views")}; {shardText} -> {options.OutFolder}");
            ScoringOutcome outcome;
            try
            {
                outcome = BatchScoring.Run(scoreInput, classifier, options, ScoreProgressDisplay.Console(shardText), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"stopped: interrupted. Every committed chunk is kept in {Path.Combine(options.OutFolder, ChunkStore.FolderName)}; the same command resumes after the last one.");
                return Task.FromResult(130);
            }
            Print(outcome, options);
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateMerge()
    {
        var folders = new Argument<string[]>("folders") { Description = "Run folders (the --out of each shard, or one folder all shards wrote into).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out", "-o") { Description = "Where scores and summary go. Default: the first folder." };
        var merge = new Command("merge", "Join the chunks of a sharded run (one shared folder, or each shard's folder) into one scores file, identical to an unsharded run's, and its summary.")
        {
            folders, output,
        };
        merge.SetAction(parse =>
        {
            var sources = parse.GetValue(folders)!.Select(Path.GetFullPath).ToList();
            foreach (var source in sources)
                if (!Directory.Exists(source)) throw new CommandLineException($"Run folder '{source}' does not exist.");
            var outFolder = Path.GetFullPath(parse.GetValue(output) ?? sources[0]);
            if (File.Exists(outFolder)) throw new CommandLineException($"--out '{outFolder}' is a file; give a folder.");
            var summary = ScoreMerge.Run(sources, outFolder);
            var run = ScoreMerge.RunOf(sources);
            PrintMerged(Path.Combine(outFolder, ScoreMerge.ScoresFile(run.Format)), Path.Combine(outFolder, GroupSummary.FileName), summary);
            return 0;
        });
        return merge;
    }

    /// <summary>
    /// The shard this process scores: <c>--shard K/N</c> when given; else, under a Kubernetes Indexed Job, the pod's
    /// <c>JOB_COMPLETION_INDEX</c> of <c>--shard-count</c>; else the whole run.
    /// </summary>
    /// <exception cref="CommandLineException">A malformed or out-of-range shard, or options that do not go together.</exception>
    public static Shard ResolveShard(string? shard, int? shardCount, string? completionIndex)
    {
        if (shard is not null)
        {
            if (shardCount is not null) throw new CommandLineException("Give --shard K/N or --shard-count N (with JOB_COMPLETION_INDEX), not both.");
            return Shard.TryParse(shard, out var parsed, out var problem) ? parsed : throw new CommandLineException($"--shard '{shard}': {problem}.");
        }
        var indexText = string.IsNullOrWhiteSpace(completionIndex) ? null : completionIndex.Trim();
        if (shardCount is null)
        {
            if (indexText is not null)
                throw new CommandLineException($"{CompletionIndexVariable}={indexText} is set (a Kubernetes Indexed Job) but --shard-count is not: give --shard-count N equal to the Job's completions.");
            return Shard.All;
        }
        if (shardCount < 1) throw new CommandLineException($"--shard-count {shardCount}: use at least 1.");
        if (indexText is null)
            throw new CommandLineException($"--shard-count {shardCount} needs {CompletionIndexVariable} (set by a Kubernetes Indexed Job); outside one, give --shard K/N.");
        if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            throw new CommandLineException($"{CompletionIndexVariable}='{indexText}' is not a shard number (0, 1, 2...).");
        if (index >= shardCount)
            throw new CommandLineException($"{CompletionIndexVariable}={index} is not below --shard-count {shardCount}: the Job's completions and --shard-count must be equal.");
        return new Shard(index, shardCount.Value);
    }

    /// <summary>Reads <c>--format</c>.</summary>
    /// <exception cref="CommandLineException">Neither csv nor jsonl.</exception>
    public static ScoreFormat ParseFormat(string text) => text.Trim().ToLowerInvariant() switch
    {
        "csv" => ScoreFormat.Csv,
        "jsonl" => ScoreFormat.Jsonl,
        _ => throw new CommandLineException($"--format '{text}': use csv or jsonl."),
    };


    private static void Print(ScoringOutcome outcome, ScoringOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shard {options.Shard}: {outcome.ChunksOfShard:N0} chunks, {outcome.ChunksResumed:N0} found committed, {outcome.ChunksScored:N0} scored now ({outcome.ImagesScored:N0} images)"));
        if (outcome.ScoresPath is null)
        {
            Console.WriteLine($"{outcome.MissingChunks:N0} chunks of other shards are not committed yet; the last shard to finish merges, or run: score merge {options.OutFolder}");
            return;
        }
        PrintMerged(outcome.ScoresPath, Path.Combine(options.OutFolder, GroupSummary.FileName), outcome.Summary!);
    }

    private static void PrintMerged(string scores, string summaryPath, GroupSummary summary)
    {
        var t = summary.Total;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {scores} ({t.Cells:N0} images: {t.Parasitized:N0} parasitized of {t.Scored:N0} scored, {t.Errors:N0} unreadable) and {summaryPath} ({summary.Groups.Count:N0} {(summary.Groups.Count == 1 ? "group" : "groups")})"));
    }
}
