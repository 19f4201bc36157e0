
namespace Malaria.Training.Data;

/// <summary>
/// Splits images into train, validation and test by patient group, stratified by label: every group lands on exactly
/// one side, and each side's label mix stays close to the whole set's. Deterministic for a seed.
/// </summary>
/// <remarks>
/// Groups are few (100 patients) and uneven (2 to 400 cells, some healthy-only), so a random group shuffle alone gives
/// label ratios several points apart. Instead groups are placed one at a time, largest first (ties in seeded random
/// order), on the side where they most reduce the distance between that side's per-label counts and its target share;
/// then seeded pairwise swaps between sides are kept while they lower that distance further.
/// </remarks>
public static class PatientSplitter
{
    /// <summary>Splits <paramref name="images"/>; fractions are of the images (the rest is train).</summary>
    public static IReadOnlyList<SplitEntry> Split(IReadOnlyList<LabeledImage> images, int seed = 42, double validationFraction = 0.1, double testFraction = 0.2)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1)
            throw new ArgumentException($"Validation ({validationFraction}) and test ({testFraction}) fractions must be >= 0 and sum to less than 1.");
        var labels = images.Select(i => i.Label).Distinct(StringComparer.Ordinal).OrderBy(l => l, StringComparer.Ordinal).ToList();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var groups = images.GroupBy(i => i.Group, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Counts: Count(g, labelIndex, labels.Count)))
            .OrderBy(g => g.Name, StringComparer.Ordinal)
            .ToList();
        var parts = new[] { SplitPart.Train, SplitPart.Validation, SplitPart.Test };
        var fractions = new[] { 1 - validationFraction - testFraction, validationFraction, testFraction };
        var totals = Count(images, labelIndex, labels.Count);
        var targets = fractions.Select(f => totals.Select(t => f * t).ToArray()).ToArray();

        var random = new Random(seed);
        var order = groups.Select(g => (Group: g, Tie: random.Next())).OrderByDescending(x => x.Group.Counts.Sum()).ThenBy(x => x.Tie).Select(x => x.Group).ToList();
        var counts = parts.Select(_ => new double[labels.Count]).ToArray();
        var assignment = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in order)
        {
            var best = Enumerable.Range(0, parts.Length)
                .Where(p => fractions[p] > 0)
                .OrderBy(p => CostDelta(counts[p], targets[p], group.Counts, +1))
                .ThenBy(p => p)
                .First();
            Apply(counts[best], group.Counts, +1);
            assignment[group.Name] = best;
        }

        // Local search: move a group to another side, or swap two groups, while that lowers the total distance.
        var byName = groups.ToDictionary(g => g.Name, g => g.Counts, StringComparer.Ordinal);
        for (var round = 0; round < 20; round++)
        {
            var improved = false;
            var names = order.Select(g => g.Name).OrderBy(_ => random.Next()).ToList();
            foreach (var a in names)
            {
                foreach (var b in names)
                {
                    var pa = assignment[a];
                    var pb = assignment[b];
                    if (pa == pb) continue;
                    var before = Cost(counts[pa], targets[pa]) + Cost(counts[pb], targets[pb]);
                    Apply(counts[pa], byName[a], -1); Apply(counts[pa], byName[b], +1);
                    Apply(counts[pb], byName[b], -1); Apply(counts[pb], byName[a], +1);
                    var after = Cost(counts[pa], targets[pa]) + Cost(counts[pb], targets[pb]);
                    if (after < before - 1e-9)
                    {
                        assignment[a] = pb; assignment[b] = pa; improved = true;
                    }
                    else
                    {
                        Apply(counts[pa], byName[b], -1); Apply(counts[pa], byName[a], +1);
                        Apply(counts[pb], byName[a], -1); Apply(counts[pb], byName[b], +1);
                    }
                }
            }
            if (!improved) break;
        }

        return images.Select(i => new SplitEntry(i, parts[assignment[i.Group]])).ToList();
    }

    /// <summary>
    /// Keeps <paramref name="share"/> of each part's images of each label, chosen at random from a seed: a smaller
    /// split for quick runs with the same label mix, and still no patient on two sides.
    /// </summary>
    public static IReadOnlyList<SplitEntry> Sample(IReadOnlyList<SplitEntry> split, double share, int seed = 42)
    {
        if (share is <= 0 or > 1) throw new ArgumentException($"--sample {share}: give a share above 0 and at most 1.");
        var random = new Random(seed);
        return split
            .GroupBy(e => (e.Part, e.Image.Label))
            .OrderBy(g => g.Key.Part).ThenBy(g => g.Key.Label, StringComparer.Ordinal)
            .SelectMany(g =>
            {
                var rows = g.ToList();
                var keep = Math.Max(1, (int)Math.Round(rows.Count * share));
                return rows.Select(r => (Row: r, Key: random.Next())).OrderBy(x => x.Key).Take(keep).Select(x => x.Row);
            })
            .ToList();
    }

    private static double[] Count(IEnumerable<LabeledImage> images, Dictionary<string, int> labelIndex, int labelCount)
    {
        var counts = new double[labelCount];
        foreach (var image in images) counts[labelIndex[image.Label]]++;
        return counts;
    }

    private static void Apply(double[] counts, double[] group, int sign)
    {
        for (var i = 0; i < counts.Length; i++) counts[i] += sign * group[i];
    }

    /// <summary>Squared distance from target, relative to the target, summed over labels: small sides weigh as much as big ones.</summary>
    private static double Cost(double[] counts, double[] target)
    {
        var cost = 0.0;
        for (var i = 0; i < counts.Length; i++)
        {
            var d = counts[i] - target[i];
            cost += d * d / Math.Max(1, target[i]);
        }
        return cost;
    }

    private static double CostDelta(double[] counts, double[] target, double[] group, int sign)
    {
        var before = Cost(counts, target);
        Apply(counts, group, sign);
        var after = Cost(counts, target);
        Apply(counts, group, -sign);
        return after - before;
    }

    /// <summary>
    /// The same split with the validation patients moved into training: the split of a final fit, whose settings and
    /// epoch count were chosen beforehand (by cross-validation), so nothing is left to choose on validation.
    /// </summary>
    public static IReadOnlyList<SplitEntry> MergeValidationIntoTraining(IReadOnlyList<SplitEntry> split) =>
        [.. split.Select(e => e.Part == SplitPart.Validation ? e with { Part = SplitPart.Train } : e)];
}
