using System.Globalization;
using Malaria.Training.Scoring;

namespace Malaria.Training.Commands;

/// <summary>
/// Shows a scoring run: on a terminal a redrawn line (done/total, cells/s, time left); in a log (a container, a
/// background run) a line every 10 seconds and at the end, so a Job's log shows progress without flooding it.
/// </summary>
internal sealed class ScoreProgressDisplay(TextWriter output, bool interactive, string what) : IProgress<ScoringProgress>
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly System.Diagnostics.Stopwatch sinceLine = System.Diagnostics.Stopwatch.StartNew();
    private bool first = true;

    /// <summary>On the console; redrawn only when stdout is a terminal.</summary>
    public static ScoreProgressDisplay Console(string what) => new(System.Console.Out, !System.Console.IsOutputRedirected, what);

    public void Report(ScoringProgress p)
    {
        var finished = p.Done >= p.Total;
        var text = Line(p);
        if (interactive)
        {
            output.Write($"\r{text}   ");
            if (finished) output.WriteLine();
            return;
        }
        if (!first && !finished && sinceLine.Elapsed < LogInterval) return;
        first = false;
        sinceLine.Restart();
        output.WriteLine(text);
    }

    private string Line(ScoringProgress p)
    {
        var percent = p.Total == 0 ? 100 : 100.0 * p.Done / p.Total;
        var eta = p.Remaining is { } r ? $", {Duration(r)} left" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{what}: {p.Done:N0}/{p.Total:N0} cells ({percent:F1} %), {p.CellsPerSecond:F0} cells/s{eta}");
    }

    internal static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:D2} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:D2} s" : $"{t.TotalSeconds:F0} s";
}
