using System.Diagnostics;

namespace Malaria.Training.Torch;

/// <summary>
/// Per-epoch progress: a redrawn one-line bar (loss, accuracy, images/s) on a terminal, or a line at every quarter of
/// the epoch when the output goes to a file or pipe (background runs with a log).
/// </summary>
internal class TrainingProgress(TextWriter output, bool interactive)
{
    private readonly Stopwatch clock = new();
    private int steps;
    private int epoch;
    private int epochs;
    private int lastQuarter;

    /// <summary>Progress on the console; a bar only when stdout is a terminal.</summary>
    public static TrainingProgress Console() => new(System.Console.Out, !System.Console.IsOutputRedirected);

    /// <summary>No output (tests).</summary>
    public static TrainingProgress Silent() => new(TextWriter.Null, false);

    public virtual void Message(string text) => output.WriteLine(text);

    public virtual void EpochStarted(int epochIndex, int epochCount, int stepCount)
    {
        epoch = epochIndex;
        epochs = epochCount;
        steps = stepCount;
        lastQuarter = 0;
        clock.Restart();
    }

    public virtual void Step(int step, double loss, double accuracy, int images)
    {
        var rate = images / Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        var text = $"epoch {epoch + 1}/{epochs} {step}/{steps} loss {loss:F4} acc {accuracy:P2} {rate:F0} img/s";
        if (interactive)
        {
            const int width = 24;
            var filled = steps == 0 ? width : step * width / steps;
            output.Write($"\r[{new string('#', filled)}{new string('-', width - filled)}] {text}   ");
            if (step == steps) output.WriteLine();
        }
        else
        {
            var quarter = steps == 0 ? 4 : step * 4 / steps;
            if (quarter > lastQuarter) { lastQuarter = quarter; output.WriteLine(text); }
        }
    }
}
