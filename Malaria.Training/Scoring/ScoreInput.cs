namespace Malaria.Training.Scoring;

/// <summary>
/// The images of one scoring run in their fixed order (ordinal order of <see cref="ScoreItem.Key"/>), and the folder the
/// keys are relative to. Only keys and groups are held, never results: those are streamed to disk chunk by chunk.
/// </summary>
public sealed class ScoreInput(string root, ScoreInputKind kind, string source, IReadOnlyList<ScoreItem> items)
{
    /// <summary>The folder relative keys are resolved against.</summary>
    public string Root { get; } = root;

    /// <summary>What kind of input it was read from.</summary>
    public ScoreInputKind Kind { get; } = kind;

    /// <summary>The folder or file it was read from.</summary>
    public string Source { get; } = source;

    /// <summary>Every image, in ordinal order of its key.</summary>
    public IReadOnlyList<ScoreItem> Items { get; } = items;

    /// <summary>The file an item names.</summary>
    public string FullPath(ScoreItem item) => Path.GetFullPath(Path.Combine(Root, item.Key));
}
