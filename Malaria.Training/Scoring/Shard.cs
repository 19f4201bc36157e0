using System.Globalization;

namespace Malaria.Training.Scoring;

/// <summary>
/// Which part of a run one process scores: shard <see cref="Index"/> of <see cref="Count"/>, numbered from 0 like a
/// Kubernetes Indexed Job's <c>JOB_COMPLETION_INDEX</c>. The run's fixed order is cut into chunks, and shard K owns
/// the chunks whose number is K modulo N. Whole chunks rather than single files (or a hash of each path) go to shards
/// so that a chunk holds the same images, scored in the same batches, whether the run is sharded or not: the merged
/// output is then byte-identical to an unsharded run by construction, and merging is a concatenation. Round robin
/// keeps the shards within one chunk of each other. That every shard reads the same input is checked, not assumed:
/// each run folder records the input's fingerprint, and a shard or a merge that sees another one stops.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole run in one process.</summary>
    public static readonly Shard All = new(0, 1);

    /// <summary>Whether this shard scores chunk <paramref name="chunk"/>.</summary>
    public bool Owns(int chunk) => chunk % Count == Index;

    /// <summary>Checks 0 &lt;= index &lt; count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Out of range; the message says which and why.</exception>
    public static Shard Of(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "the shard count must be at least 1");
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"shards are numbered 0 to {count - 1} (like JOB_COMPLETION_INDEX)");
        return new Shard(index, count);
    }

    /// <summary>Parses <c>K/N</c>; false (with the reason) when it is not that or K is not below N.</summary>
    public static bool TryParse(string text, out Shard shard, out string problem)
    {
        shard = All;
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            problem = "use K/N, e.g. 0/4 for the first of 4 shards";
            return false;
        }
        if (count < 1) { problem = "N must be at least 1"; return false; }
        if (index >= count) { problem = $"K must be below N: shards are numbered 0 to {count - 1} (like JOB_COMPLETION_INDEX)"; return false; }
        shard = new Shard(index, count);
        problem = "";
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
