using System.Text.RegularExpressions;

namespace Malaria.Training.Data;

/// <summary>
/// Assigns each image to a patient group from its file name, so that a split never puts one patient's cells on two
/// sides. The default reads the NIH case number, the leading <c>C&lt;digits&gt;</c>: <c>C100P61ThinF_IMG_...</c> is
/// <c>C100</c>, the healthy-only <c>C12NThinF_IMG_...</c> is <c>C12</c>, and both microscopes of patient P8
/// (<c>C47P8thin...</c>) are <c>C47</c>.
/// </summary>
public sealed class PatientGroups
{
    /// <summary>The NIH case-number pattern.</summary>
    public const string NihPattern = "^(C[0-9]+)";

    private readonly Regex _pattern;

    /// <summary>Groups by <paramref name="pattern"/> (a regex over the file name; its first capture group, or the whole match, is the group).</summary>
    public PatientGroups(string? pattern = null)
    {
        Pattern = pattern ?? NihPattern;
        try { _pattern = new Regex(Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException ex) { throw new ArgumentException($"--group-pattern '{Pattern}' is not a valid regular expression: {ex.Message}", ex); }
    }

    /// <summary>The regex in use.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The group of a file, and whether the pattern matched. A file that matches nothing is a group of its own (its file
    /// name), so it can never leak across a split; <c>inspect</c> reports how many such files there are.
    /// </summary>
    public (string Group, bool Matched) Of(string path)
    {
        var name = Path.GetFileName(path);
        var match = _pattern.Match(name);
        if (!match.Success) return (name, false);
        var value = match.Groups.Count > 1 && match.Groups[1].Success ? match.Groups[1].Value : match.Value;
        return value.Length == 0 ? (name, false) : (value, true);
    }
}
