using System.Text.RegularExpressions;

namespace Malaria.TestSupport.Deployment;

/// <summary>
/// A Dockerfile's instructions (continuation lines joined, comments and blanks dropped), for tests that check it
/// against the repository since no Docker daemon is at hand. Linked into the test projects that check deployment files.
/// </summary>
internal static class DockerfileInstructions
{
    /// <summary>Every instruction with its arguments, in order.</summary>
    public static List<(string Instruction, string Arguments)> Read(string path)
    {
        var text = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
        return text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => (l.Split(' ', 2)[0].ToUpperInvariant(), l.Split(' ', 2).ElementAtOrDefault(1)?.Trim() ?? ""))
            .ToList();
    }

    /// <summary>The source paths of the COPY instructions that copy from the build context (not from another stage).</summary>
    public static List<string> CopiedPaths(string path) =>
        [.. Read(path).Where(i => i.Instruction == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)).SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])];

    /// <summary>The image tag the file's header comment builds it as (<c>docker build ... -t NAME .</c>), or null.</summary>
    public static string? DocumentedTag(string path) =>
        Regex.Match(File.ReadAllText(path), @"^#.*docker build\b.*?-t (?<tag>[\w./:-]+)", RegexOptions.Multiline) is { Success: true } m ? m.Groups["tag"].Value : null;
}
