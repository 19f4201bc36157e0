using Malaria.Training.MlNet;
using Spectre.Console;

namespace Malaria.Training.Pipelines;

/// <summary>
/// Shows bottleneck extraction on the console: a Spectre.Console progress bar per stage when the console is
/// interactive, and a plain line every 5% otherwise (so a log file of a background run shows progress too).
/// </summary>
public static class ExtractionProgress
{
    /// <summary>Runs <paramref name="work"/> with a progress reporter for it.</summary>
    public static T Run<T>(Func<IProgress<BottleneckProgress>, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(new LineReporter());
        var result = default(T);
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new SynchronousProgress<BottleneckProgress>(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                            tasks[p.Stage] = task = ctx.AddTask($"Backbone features ({p.Stage}, {p.FromCache:N0} cached)", maxValue: Math.Max(1, p.ToCompute));
                        task.Value = p.ToCompute == 0 ? task.MaxValue : p.Computed;
                    }
                }));
            });
        return result!;
    }

    private sealed class LineReporter : IProgress<BottleneckProgress>
    {
        private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
        private int _lastStep = -1;
        private string? _stage;

        public void Report(BottleneckProgress value)
        {
            lock (this)
            {
                if (value.Stage != _stage) { _stage = value.Stage; _lastStep = -1; _watch.Restart(); }
                var step = value.ToCompute == 0 ? 20 : value.Computed * 20 / value.ToCompute;
                if (step == _lastStep) return;
                _lastStep = step;
                var rate = value.Computed / Math.Max(0.001, _watch.Elapsed.TotalSeconds);
                Console.WriteLine($"features {value.Stage}: {value.Computed:N0}/{value.ToCompute:N0} computed, {value.FromCache:N0} from cache ({rate:F1} img/s)");
            }
        }
    }
}
