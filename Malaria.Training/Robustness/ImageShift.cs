namespace Malaria.Training.Robustness;

/// <summary>
/// One controlled change of the images (a hue rotation, a blur, a background fill...) at three fixed severities. The
/// severities come from one parameter table per shift (see <see cref="Create{T}"/>), which both the function and the
/// report read, so the documented parameters are the ones that ran.
/// </summary>
/// <param name="Name">Short name used in the CSV, the report and the seeds, e.g. <c>hue</c>.</param>
/// <param name="Family">The group it belongs to, e.g. <c>stain and colour</c>.</param>
/// <param name="Description">What it does, in one sentence for the report.</param>
/// <param name="Levels">Severities 1, 2 and 3, in that order.</param>
public sealed record ImageShift(string Name, string Family, string Description, IReadOnlyList<ShiftLevel> Levels)
{
    /// <summary>The highest severity.</summary>
    public const int MaxSeverity = 3;

    /// <summary>
    /// Applies severity <paramref name="severity"/>; severity 0 is the clean image and returns <paramref name="image"/> itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The severity is not 0 to 3.</exception>
    public CellPixels Apply(CellPixels image, int severity, ShiftContext context)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(context);
        if (severity == 0) return image;
        if (severity < 0 || severity > Levels.Count)
            throw new ArgumentOutOfRangeException(nameof(severity), severity, $"Shift '{Name}' has severities 1 to {Levels.Count} (0 is the clean image).");
        return Levels[severity - 1].Apply(image, context);
    }

    /// <summary>A shift whose severities 1..3 are the rows of <paramref name="table"/>.</summary>
    /// <param name="name">See <see cref="Name"/>.</param>
    /// <param name="family">See <see cref="Family"/>.</param>
    /// <param name="description">See <see cref="Description"/>.</param>
    /// <param name="table">One parameter value (or record) per severity, mildest first.</param>
    /// <param name="describe">The parameters in words, for the report.</param>
    /// <param name="apply">The pure function: image, parameters and context in, new image out.</param>
    public static ImageShift Create<T>(string name, string family, string description, IReadOnlyList<T> table,
        Func<T, string> describe, Func<CellPixels, T, ShiftContext, CellPixels> apply)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(apply);
        if (table.Count != MaxSeverity) throw new ArgumentException($"Shift '{name}' needs {MaxSeverity} severities, got {table.Count}.", nameof(table));
        var levels = table.Select((parameters, i) => new ShiftLevel(i + 1, describe(parameters), (image, context) => apply(image, parameters, context))).ToList();
        return new ImageShift(name, family, description, levels);
    }
}
