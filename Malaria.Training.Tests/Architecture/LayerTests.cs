using System.Text.RegularExpressions;

namespace Malaria.Training.Tests.Architecture;

/// <summary>
/// The trainer's folders follow the pipeline and depend only downwards (Malaria.Training/README.md): each source file's
/// <c>using Malaria.Training.X</c> lines and fully qualified <c>Malaria.Training.X.</c> names may name only folders below
/// its own. Read from the source, so a new upward <c>using</c> fails here before review.
/// </summary>
public partial class LayerTests
{
    /// <summary>Top to bottom; folders on one line are peers, which must not use each other either.</summary>
    private static readonly string[][] Layers =
    [
        [""],  // Program.cs, CommandLineApp.cs
        ["Commands"],
        ["Pipelines", "Robustness", "Scoring"],
        ["Export"],
        ["MlNet", "Torch"],
        ["Torch.Native"],
        ["Onnx"],
        ["Evaluation"],
        ["Data"],
    ];

    [GeneratedRegex(@"^namespace Malaria\.Training(?:\.(?<ns>[\w.]+))?;", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^using (?:static )?Malaria\.Training\.(?<ns>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Using();

    [GeneratedRegex(@"(?<!namespace )\bMalaria\.Training\.(?<ns>[A-Z]\w*(?:\.[A-Z]\w*)*)")]
    private static partial Regex QualifiedName();

    private static string SourceRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "Malaria.Training");
                if (File.Exists(Path.Combine(candidate, "Malaria.Training.csproj"))) return candidate;
            }
            Assert.Ignore("The Malaria.Training sources are not beside the test binaries.");
            return "";
        }
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(SourceRoot, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"));

    /// <summary>The layer a namespace below Malaria.Training belongs to: the longest folder of <see cref="Layers"/> it starts with.</summary>
    private static int? LayerOf(string ns) =>
        Layers.SelectMany((folders, index) => folders.Select(f => (Folder: f, Index: index)))
            .Where(l => ns == l.Folder || (l.Folder.Length > 0 && ns.StartsWith(l.Folder + ".", StringComparison.Ordinal)) || (l.Folder.Length == 0 && ns.Length == 0))
            .OrderByDescending(l => l.Folder.Length)
            .Select(l => (int?)l.Index)
            .FirstOrDefault();

    private static string FolderOf(string ns) =>
        Layers.SelectMany(f => f).Where(f => ns == f || (f.Length > 0 && ns.StartsWith(f + ".", StringComparison.Ordinal))).OrderByDescending(f => f.Length).FirstOrDefault() ?? ns;

    [Test]
    public void EveryFolderHasAPlaceInTheLayerOrder()
    {
        var unplaced = SourceFiles()
            .Select(f => Namespace().Match(File.ReadAllText(f)))
            .Where(m => m.Success)
            .Select(m => m.Groups["ns"].Value)
            .Where(ns => LayerOf(ns) is null)
            .Distinct()
            .ToList();
        Assert.That(unplaced, Is.Empty, "add these namespaces' folders to LayerTests.Layers (and Malaria.Training/README.md) at the stage they belong to");
    }

    [Test]
    public void NoFolderUsesOneAboveIt()
    {
        var violations = new List<string>();
        foreach (var file in SourceFiles())
        {
            var text = File.ReadAllText(file);
            var declared = Namespace().Match(text);
            if (!declared.Success) continue;
            var own = declared.Groups["ns"].Value;
            if (LayerOf(own) is not { } ownLayer) continue;
            var used = Using().Matches(text).Concat(QualifiedName().Matches(text)).Select(m => m.Groups["ns"].Value);
            foreach (var ns in used.Distinct())
            {
                if (LayerOf(ns) is not { } usedLayer) continue;  // a type name after Malaria.Training., such as a root type
                if (FolderOf(ns) == FolderOf(own)) continue;
                if (usedLayer <= ownLayer)
                    violations.Add($"{Path.GetRelativePath(SourceRoot, file)}: {(own.Length == 0 ? "(root)" : FolderOf(own))} uses {FolderOf(ns)}");
            }
        }
        Assert.That(violations, Is.Empty, "a folder may use only the folders below it (Malaria.Training/README.md)");
    }

    [Test]
    public void OnlyTheEntryPointUsesTheCommandLineApp()
    {
        // Types of the root namespace are visible everywhere without a using line, so they are checked by name.
        var users = SourceFiles()
            .Where(f => Namespace().Match(File.ReadAllText(f)) is { Success: true } m && m.Groups["ns"].Value is { Length: > 0 } ns && FolderOf(ns) != "Commands")
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"\bCommandLineApp\b"))
            .Select(f => Path.GetRelativePath(SourceRoot, f))
            .ToList();
        Assert.That(users, Is.Empty);
    }

    [Test]
    public void EveryFolderSaysWhatStageItIs()
    {
        var folders = Directory.EnumerateDirectories(SourceRoot, "*", SearchOption.AllDirectories)
            .Where(d => !Path.GetRelativePath(SourceRoot, d).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "Properties"))
            .Where(d => Directory.EnumerateFiles(d, "*.cs").Any())
            .Where(d => !File.Exists(Path.Combine(d, "README.md")))
            .Select(d => Path.GetRelativePath(SourceRoot, d))
            .ToList();
        Assert.That(folders, Is.Empty, "each folder of the trainer needs a README.md saying what stage it is");
    }
}
