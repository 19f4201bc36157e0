using System.CommandLine;
using Malaria.Training.Commands;

namespace Malaria.Training;

/// <summary>Builds the trainer's command tree and turns failures into one-line messages and exit codes.</summary>
public static class CommandLineApp
{
    /// <summary>Shows the full stack trace of a failure instead of a one-line message.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print full stack traces on error.",
        Recursive = true,
    };

    /// <summary>The root command with every subcommand; one file per command under Commands/.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Malaria cell classifier trainer: inspect and split labeled image folders, download the NIH data, train and evaluate models, score image sets.")
        {
            Verbose,
            InspectCommand.Create(),
            SplitCommand.Create(),
            DownloadCommand.Create(),
            ExportCommand.Create(),
            ExplainCommand.Create(),
            FaithfulnessCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            CompareCommand.Create(),
            CrossValidateCommand.Create(),
            CompareCrossValidationsCommand.Create(),
            RobustnessCommand.Create(),
            ScoreCommand.Create(),
            CalibrateCommand.Create(),
            QuantizeCommand.Create(),
        };
        // No command at all: the default job (find or download the data, split, train, export, evaluate).
        root.SetAction((_, cancellationToken) => Task.FromResult(DefaultJob.Run(cancellationToken)));
        return root;
    }

    /// <summary>
    /// What an interrupted command (Ctrl+C, or a termination signal, which System.CommandLine turns into cancellation)
    /// says instead of a bare OperationCanceledException: nothing is wrong, and training keeps its last epoch.
    /// </summary>
    internal const string Interrupted = "stopped: interrupted before it finished. Training keeps the checkpoint of its last finished epoch: "
        + "the same train command with --resume continues it, and the same crossvalidate command continues on its own.";

    /// <summary>Parses and runs; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        ConfigureConsole();
        var parse = Build().Parse(args);
        var verbose = parse.GetValue(Verbose);
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (!verbose)
        {
            var root = Unwrap(ex);
            if (root is OperationCanceledException)
            {
                Console.Error.WriteLine(Interrupted);
                return 130;
            }
            var message = IsUserError(root) ? root.Message : $"{root.GetType().Name}: {root.Message}";
            Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")} (run with --verbose for details)");
            return 1;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex);
            return 1;
        }
    }

    /// <summary>Plain text when output goes to a file or CI log: no colour codes, no wrapping at 80 columns.</summary>
    private static void ConfigureConsole()
    {
        if (!Console.IsOutputRedirected) return;
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        console.Profile.Width = 160;
        Spectre.Console.AnsiConsole.Console = console;
    }

    /// <summary>
    /// Errors the user can fix, shown as their message alone: a bad option (<see cref="CommandLineException"/>), and what
    /// the stages below throw about their inputs: missing or unreadable files and folders, data that is not what it
    /// should be, arguments out of range, a run folder in the wrong state, a server that cannot be reached. Anything else
    /// is a bug and is shown with its type.
    /// </summary>
    internal static bool IsUserError(Exception ex) => ex is CommandLineException or IOException or InvalidDataException
        or (ArgumentException and not ArgumentNullException) or InvalidOperationException or HttpRequestException or TimeoutException
        or Malaria.Inference.Imaging.InvalidImageException or Malaria.Inference.Models.ModelLoadException;

    private static Exception Unwrap(Exception ex)
    {
        while ((ex is AggregateException || ex is System.Reflection.TargetInvocationException) && ex.InnerException is not null)
            ex = ex.InnerException;
        return ex;
    }
}
