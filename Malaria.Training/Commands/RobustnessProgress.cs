using Malaria.Training.Pipelines;
using Malaria.Training.Robustness;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// Shows a robustness run on the console: Spectre.Console bars for decoding and scoring (with the shift, severity and
/// cells per second) when the console is interactive, and otherwise a line per finished shift and severity with its
/// recall, specificity and AUC, so a log of a background run shows progress and results as they come.
/// </summary>
internal static class RobustnessProgress
{
    /// <summary>Runs <paramref name="work"/> with a reporter for decoding (cells decoded) and one for scoring.</summary>
    public static void Run(int cells, int steps, Action<IProgress<int>, IProgress<BenchmarkProgress>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var decodeWatch = System.Diagnostics.Stopwatch.StartNew();
            work(new SynchronousProgress<int>(done => { if (done == cells) Console.WriteLine($"decoded {cells:N0} cells in {decodeWatch.Elapsed.TotalSeconds:F1} s"); }),
                new SynchronousProgress<BenchmarkProgress>(p => { if (p.Finished is { } row) Console.WriteLine(Line(p, row)); }));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var decoding = ctx.AddTask($"Decoding {cells:N0} cells", maxValue: Math.Max(1, cells));
                var scoring = ctx.AddTask("Scoring", maxValue: Math.Max(1, (double)cells * steps), autoStart: false);
                var gate = new object();
                work(new SynchronousProgress<int>(done => { lock (gate) decoding.Value = Math.Max(decoding.Value, done); }),
                    new SynchronousProgress<BenchmarkProgress>(p =>
                    {
                        lock (gate)
                        {
                            if (!scoring.IsStarted) scoring.StartTask();
                            scoring.Description = Markup.Escape($"Scoring [{p.Step}/{p.Steps}] {p.Shift} severity {p.Severity}: {p.CellsPerSecond:F0} cells/s");
                            scoring.Value = (double)(p.Step - 1) * p.Total + p.Done;
                        }
                    }));
            });
    }

    private static string Line(BenchmarkProgress p, RobustnessRow row) =>
        $"[{p.Step,2}/{p.Steps}] {p.Shift} {p.Severity}: recall {RobustnessReport.Percent(row.Metrics.Recall)}, specificity {RobustnessReport.Percent(row.Metrics.Specificity)}, "
        + $"AUC {RobustnessReport.Auc(row.Metrics.RocAuc)} ({p.Total:N0} cells, {p.CellsPerSecond:F0} cells/s)";
}
