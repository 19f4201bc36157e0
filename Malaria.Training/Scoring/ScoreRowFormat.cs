using System.Globalization;

namespace Malaria.Training.Scoring;

/// <summary>
/// Writes and reads score rows as lines of one <see cref="ScoreFormat"/>. Every value is written the same way on every
/// machine (invariant culture, the shortest text that reads back as the same float), so that the same chunk gives the
/// same bytes wherever and whenever it is scored.
/// </summary>
public abstract class ScoreRowFormat
{
    /// <summary>The column names, in output order (also the JSON property names).</summary>
    public static readonly IReadOnlyList<string> Columns = ["path", "group", "label", "probability", "model_version", "error"];

    /// <summary>The writer and reader of <paramref name="format"/>.</summary>
    public static ScoreRowFormat For(ScoreFormat format) => format switch
    {
        ScoreFormat.Csv => CsvScoreRowFormat.Instance,
        ScoreFormat.Jsonl => JsonLinesScoreRowFormat.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown score format"),
    };

    /// <summary>The format this writes.</summary>
    public abstract ScoreFormat Format { get; }

    /// <summary>The file extension, with its dot.</summary>
    public abstract string Extension { get; }

    /// <summary>The first line of a whole output, or null when the format has none.</summary>
    public abstract string? Header { get; }

    /// <summary>The row as one line, without the line break.</summary>
    public abstract string Line(ScoreRow row);

    /// <summary>Reads back a line that <see cref="Line"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Not such a line.</exception>
    public abstract ScoreRow Parse(string line);

    /// <summary>A probability as text: the shortest that reads back as the same float.</summary>
    protected static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reads <see cref="Number"/>'s text.</summary>
    protected static float ParseNumber(string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"'{text}' is not a probability.");
}
