using System.Globalization;
using System.Text;
using Malaria.Training.Data;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Pipelines;

/// <summary>One scoring (one view, or 8 views averaged) of two cross-validations compared cell by cell.</summary>
internal sealed record ScoringComparison(string Scoring, PairedDifference Pooled, IReadOnlyList<FoldDifference> PerFold);

/// <summary>One fold's correct cells under each configuration.</summary>
internal sealed record FoldDifference(int Fold, int Cells, int Baseline, int Candidate);

/// <summary>
/// Two cross-validations of the same patients and folds (same split, same <c>--seed</c>), compared on the cells they both
/// held out, at the 0.5 cut: the difference in correct cells and its <see cref="PairedPatientBootstrap"/> interval.
/// Folds only one of them finished are left out, so a candidate stopped early is compared on the folds it has.
/// </summary>
internal sealed record CrossValidationComparison(string Baseline, string Candidate, IReadOnlyList<int> Folds, IReadOnlyList<int> FoldsLeftOut,
    IReadOnlyDictionary<string, (string? Baseline, string? Candidate)> SettingsThatDiffer, IReadOnlyList<ScoringComparison> Scorings)
{
    /// <summary>Reads both folders' finished folds and compares them.</summary>
    public static CrossValidationComparison Compare(string baselineFolder, string candidateFolder)
    {
        var baseline = TorchCrossValidation.ReadFinishedFolds(baselineFolder);
        var candidate = TorchCrossValidation.ReadFinishedFolds(candidateFolder);
        var splitPath = Path.Combine(candidateFolder, "split.csv");
        if (!File.Exists(splitPath)) throw new FileNotFoundException($"'{splitPath}' is missing; crossvalidate writes it beside the folds and it names each cell's patient.");
        var pool = SplitFile.Read(splitPath).Where(e => e.Part != SplitPart.Test).Select(e => e.Image).ToList();
        var groupOf = pool.ToDictionary(i => i.Path, i => i.Group, StringComparer.Ordinal);
        var (_, positive) = TorchCrossValidation.LabelsOf(pool);

        var byFold = baseline.ToDictionary(f => f.Fold);
        var pairs = new List<(CrossValidationFold Baseline, CrossValidationFold Candidate)>();
        foreach (var c in candidate)
        {
            if (!byFold.TryGetValue(c.Fold, out var b)) continue;
            if (!b.Patients.SequenceEqual(c.Patients))
                throw new InvalidDataException($"Fold {c.Fold} holds other patients in '{baselineFolder}' than in '{candidateFolder}': compare cross-validations made with the same split and --seed.");
            if (!b.Paths.Order(StringComparer.Ordinal).SequenceEqual(c.Paths.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                throw new InvalidDataException($"Fold {c.Fold} holds other cells in '{baselineFolder}' than in '{candidateFolder}' (the same patients, another copy of the data?).");
            pairs.Add((b, c));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"'{baselineFolder}' and '{candidateFolder}' have no finished fold in common.");
        var compared = pairs.Select(p => p.Candidate.Fold).ToList();
        var leftOut = baseline.Select(f => f.Fold).Concat(candidate.Select(f => f.Fold)).Distinct().Except(compared).Order().ToList();

        var scorings = new[] { ("one view", false), ("8 views", true) }
            .Select(s => CompareScoring(s.Item1, pairs, s.Item2, positive, groupOf)).ToList();
        var b0 = pairs[0].Baseline.Settings ?? new Dictionary<string, string>();
        var c0 = pairs[0].Candidate.Settings ?? new Dictionary<string, string>();
        var differ = b0.Keys.Union(c0.Keys)
            .Where(k => b0.GetValueOrDefault(k) != c0.GetValueOrDefault(k)).Order(StringComparer.Ordinal)
            .ToDictionary(k => k, k => (b0.GetValueOrDefault(k), c0.GetValueOrDefault(k)));
        return new CrossValidationComparison(baselineFolder, candidateFolder, compared, leftOut, differ, scorings);
    }

    private static ScoringComparison CompareScoring(string name, List<(CrossValidationFold Baseline, CrossValidationFold Candidate)> pairs,
        bool views, int positive, Dictionary<string, string> groupOf)
    {
        var baselineCorrect = new List<bool>();
        var candidateCorrect = new List<bool>();
        var groups = new List<string>();
        var perFold = new List<FoldDifference>();
        foreach (var (b, c) in pairs)
        {
            var candidateRow = c.Paths.Select((path, row) => (path, row)).ToDictionary(p => p.path, p => p.row, StringComparer.Ordinal);
            int foldBaseline = 0, foldCandidate = 0;
            for (var row = 0; row < b.Paths.Count; row++)
            {
                var other = candidateRow[b.Paths[row]];
                var bRight = DecisionThreshold.IsRight(b.Labels[row], (views ? b.ViewProbabilities : b.Probabilities)[row], positive);
                var cRight = DecisionThreshold.IsRight(c.Labels[other], (views ? c.ViewProbabilities : c.Probabilities)[other], positive);
                baselineCorrect.Add(bRight);
                candidateCorrect.Add(cRight);
                groups.Add(groupOf.TryGetValue(b.Paths[row], out var g) ? g
                    : throw new InvalidDataException($"Cell '{b.Paths[row]}' of fold {b.Fold} is not in the cross-validation's split.csv."));
                foldBaseline += bRight ? 1 : 0;
                foldCandidate += cRight ? 1 : 0;
            }
            perFold.Add(new FoldDifference(b.Fold, b.Paths.Count, foldBaseline, foldCandidate));
        }
        return new ScoringComparison(name, PairedPatientBootstrap.Compare(baselineCorrect, candidateCorrect, groups), perFold);
    }

    /// <summary>The report: settings that differ, the pooled difference per scoring with its interval, and each fold.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder("# Paired comparison of two cross-validations\n\n");
        md.Append(c, $"- baseline: `{Baseline}`\n- candidate: `{Candidate}`\n");
        md.Append(c, $"- settings that differ: {(SettingsThatDiffer.Count == 0 ? "none" : string.Join("; ", SettingsThatDiffer.Select(kv => $"{kv.Key} {kv.Value.Baseline ?? "(off)"} -> {kv.Value.Candidate ?? "(off)"}")))}\n");
        md.Append(c, $"- folds compared: {string.Join(", ", Folds)}{(FoldsLeftOut.Count == 0 ? "" : $"; left out (finished in one run only): {string.Join(", ", FoldsLeftOut)}")}\n\n");
        var first = Scorings[0].Pooled;
        md.Append(c, $"Cells held out by both, scored at 0.5. The interval resamples the {first.Units:N0} {(first.Unit == "group" ? "patients" : "cells")} whole, ");
        md.Append(c, $"{first.Resamples:N0} times from seed {first.Seed}, and scores both configurations on each draw.\n\n");
        md.Append("| scoring | cells | baseline right | candidate right | difference | only the baseline right | only the candidate right | accuracy difference, 95 % interval | draws with the candidate ahead |\n");
        md.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var s in Scorings)
        {
            var p = s.Pooled;
            md.Append(c, $"| {s.Scoring} | {p.Cells:N0} | {p.BaselineCorrect:N0} | {p.CandidateCorrect:N0} | {p.Difference:+#,0;-#,0;0} | {p.OnlyBaselineRight:N0} | {p.OnlyCandidateRight:N0} | ");
            md.Append(c, $"{p.AccuracyDifference.Low * 100:+0.00;-0.00;0.00} to {p.AccuracyDifference.High * 100:+0.00;-0.00;0.00} points | {p.ShareCandidateAhead:P1} |\n");
        }
        md.Append("\n| fold | cells |").Append(string.Concat(Scorings.Select(s => $" baseline, {s.Scoring} | candidate, {s.Scoring} |"))).Append('\n');
        md.Append("| ---: | ---: |").Append(string.Concat(Scorings.Select(_ => " ---: | ---: |"))).Append('\n');
        for (var f = 0; f < Folds.Count; f++)
        {
            md.Append(c, $"| {Folds[f]} | {Scorings[0].PerFold[f].Cells:N0} |");
            foreach (var s in Scorings) md.Append(c, $" {s.PerFold[f].Baseline:N0} | {s.PerFold[f].Candidate:N0} |");
            md.Append('\n');
        }
        md.Append("\nAn interval that holds 0 means the folds' patients cannot tell the two configurations apart.\n");
        return md.ToString();
    }
}
