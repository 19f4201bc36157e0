using System.Collections.Concurrent;
using System.Security.Cryptography;
using Malaria.Inference.Imaging;

namespace Malaria.Training.Data;

/// <summary>
/// A labeled image-folder tree read once and cleaned: one subfolder per label (label = folder name), images in any
/// supported format and letter case, non-image files skipped, empty and corrupt images excluded, byte-identical copies
/// kept once, and the Kaggle copy's nested duplicate tree (<c>cell_images/cell_images/...</c>) read once. Every file
/// left out is listed in <see cref="Problems"/> with the reason.
/// </summary>
public sealed class ImageFolderDataset
{
    private ImageFolderDataset(string root, IReadOnlyList<string> labels, IReadOnlyList<LabeledImage> images,
        IReadOnlyList<ImageFolderProblem> problems, IReadOnlyList<(int Width, int Height)> sizes, string? nestedDuplicateTree,
        int unmatchedGroupFiles, string groupPattern)
    {
        Root = root;
        Labels = labels;
        Images = images;
        Problems = problems;
        Sizes = sizes;
        NestedDuplicateTree = nestedDuplicateTree;
        UnmatchedGroupFiles = unmatchedGroupFiles;
        GroupPattern = groupPattern;
    }

    /// <summary>The folder whose subfolders are the labels.</summary>
    public string Root { get; }

    /// <summary>Label names in ordinal order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The usable images, ordered by label then path.</summary>
    public IReadOnlyList<LabeledImage> Images { get; }

    /// <summary>Width and height of each of <see cref="Images"/>, in the same order.</summary>
    public IReadOnlyList<(int Width, int Height)> Sizes { get; }

    /// <summary>Every file left out, with the reason.</summary>
    public IReadOnlyList<ImageFolderProblem> Problems { get; }

    /// <summary>A nested copy of the tree that was detected and skipped, if any.</summary>
    public string? NestedDuplicateTree { get; }

    /// <summary>Images whose name the group pattern did not match (each is its own group).</summary>
    public int UnmatchedGroupFiles { get; }

    /// <summary>The patient-group regex used.</summary>
    public string GroupPattern { get; }

    /// <summary>Number of distinct patient groups among <see cref="Images"/>.</summary>
    public int GroupCount => Images.Select(i => i.Group).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Images per label.</summary>
    public IReadOnlyDictionary<string, int> CountByLabel =>
        Labels.ToDictionary(l => l, l => Images.Count(i => i.Label == l), StringComparer.Ordinal);

    /// <summary>Reads and cleans the tree at <paramref name="root"/>; a missing folder is a <see cref="DirectoryNotFoundException"/>, a layout that is not a labeled tree an <see cref="InvalidDataException"/>.</summary>
    public static ImageFolderDataset Load(string root, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Data folder '{root}' does not exist.");
        root = Path.GetFullPath(root);
        var (labelRoot, labelFolders, nested) = FindLabelFolders(root);
        var groups = new PatientGroups(options.GroupPattern);

        var files = labelFolders
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
                .Select(path => (Path: path, Label: Path.GetFileName(folder))))
            .OrderBy(f => f.Label, StringComparer.Ordinal).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();

        var problems = new ConcurrentBag<ImageFolderProblem>();
        var checkedFiles = new (string Sha256, ImageHeader Header)?[files.Count];
        var done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            checkedFiles[i] = Check(files[i].Path, problems);
            options.Progress?.Report((Interlocked.Increment(ref done), files.Count));
        });

        // De-duplicate by content: the first copy (label, then path order) is kept; copies under another label make
        // every copy untrustworthy, so all of them go.
        var byHash = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
            if (checkedFiles[i] is { } c)
                (byHash.TryGetValue(c.Sha256, out var list) ? list : byHash[c.Sha256] = []).Add(i);
        var keep = new bool[files.Count];
        foreach (var copies in byHash.Values)
        {
            var labels = copies.Select(i => files[i].Label).Distinct(StringComparer.Ordinal).ToList();
            if (labels.Count > 1)
            {
                foreach (var i in copies)
                    problems.Add(new ImageFolderProblem(files[i].Path, ImageFolderProblemKind.ConflictingLabels,
                        $"identical bytes appear under labels {string.Join(", ", labels)} (excluded)"));
                continue;
            }
            keep[copies[0]] = true;
            foreach (var i in copies.Skip(1))
                problems.Add(new ImageFolderProblem(files[i].Path, ImageFolderProblemKind.Duplicate, $"duplicate of '{files[copies[0]].Path}'"));
        }

        var images = new List<LabeledImage>();
        var sizes = new List<(int, int)>();
        var unmatched = 0;
        for (var i = 0; i < files.Count; i++)
        {
            if (!keep[i]) continue;
            var (group, matched) = groups.Of(files[i].Path);
            if (!matched) unmatched++;
            images.Add(new LabeledImage(files[i].Path, files[i].Label, group));
            sizes.Add((checkedFiles[i]!.Value.Header.Width, checkedFiles[i]!.Value.Header.Height));
        }

        var labelNames = labelFolders.Select(Path.GetFileName).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var empty = labelNames.Where(l => !images.Any(i => i.Label == l)).ToList();
        if (empty.Count > 0)
            throw new InvalidDataException($"Label folder(s) {string.Join(", ", empty.Select(l => $"'{Path.Combine(labelRoot, l)}'"))} contain no usable images; every label needs at least one.");

        var sortedProblems = problems.OrderBy(p => p.Kind).ThenBy(p => p.Path, StringComparer.Ordinal).ToList();
        return new ImageFolderDataset(labelRoot, labelNames, images, sortedProblems, sizes, nested, unmatched, groups.Pattern);
    }

    /// <summary>File extensions read as images, in any letter case.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp" };

    // Training data is read in full anyway; the limits only guard against absurd headers.
    private static readonly ImageLimits TrainingImageLimits = new() { MaxPixels = 16384L * 16384L, MaxBytes = 512L * 1024 * 1024 };

    private static bool HasImageExtension(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>Hashes and inspects one file; a file that cannot be used is added to <paramref name="problems"/>.</summary>
    private static (string Sha256, ImageHeader Header)? Check(string path, ConcurrentBag<ImageFolderProblem> problems)
    {
        if (!HasImageExtension(path))
        {
            problems.Add(new ImageFolderProblem(path, ImageFolderProblemKind.NotAnImage, "not an image file (skipped)"));
            return null;
        }
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ImageFolderProblem(path, ImageFolderProblemKind.Corrupt, $"unreadable: {ex.Message}"));
            return null;
        }
        try
        {
            var header = ImageHeaderReader.Read(bytes, path, TrainingImageLimits);
            return (Convert.ToHexStringLower(SHA256.HashData(bytes)), header);
        }
        catch (InvalidImageException ex)
        {
            var kind = ex.Reason == InvalidImageReason.Empty ? ImageFolderProblemKind.Empty : ImageFolderProblemKind.Corrupt;
            var what = ex.Reason switch
            {
                InvalidImageReason.Empty => "empty file",
                InvalidImageReason.Truncated => "truncated",
                InvalidImageReason.NotAnImage => "not an image",
                InvalidImageReason.UnsupportedFormat => "unsupported format",
                InvalidImageReason.TooLarge => "too large",
                _ => "corrupt",
            };
            problems.Add(new ImageFolderProblem(path, kind, $"{what}: {ex.Detail}"));
            return null;
        }
    }

    /// <summary>
    /// Finds the label folders. A subfolder that itself holds folders named like its siblings is a nested duplicate tree
    /// (the Kaggle zip's <c>cell_images/cell_images</c>) and is skipped; a root holding a single folder that is itself a
    /// labeled tree is descended into (pointing at the folder above <c>cell_images</c> works).
    /// </summary>
    private static (string Root, List<string> LabelFolders, string? Nested) FindLabelFolders(string root)
    {
        string? nested = null;
        while (true)
        {
            var folders = Subfolders(root);
            var names = new HashSet<string>(folders.Select(f => Path.GetFileName(f)!), StringComparer.OrdinalIgnoreCase);
            var copies = folders.Where(f => Subfolders(f).Count(s => names.Contains(Path.GetFileName(s)!)) >= 2).ToList();
            if (copies.Count == 1 && folders.Count >= 3)
            {
                nested = copies[0];
                folders.Remove(copies[0]);
            }
            if (folders.Count == 1 && Subfolders(folders[0]).Count >= 2 && !Directory.EnumerateFiles(folders[0]).Any(HasImageExtension))
            {
                root = folders[0];
                continue;
            }
            if (folders.Count < 2)
                throw new InvalidDataException(
                    $"'{root}' has {folders.Count} label folder(s){(folders.Count == 1 ? $" ('{Path.GetFileName(folders[0])}')" : "")}; a labeled image tree needs one subfolder per label and at least two labels, e.g. '{Path.Combine(root, "Parasitized")}' and '{Path.Combine(root, "Uninfected")}'.");
            return (root, folders, nested);
        }
    }

    private static List<string> Subfolders(string folder) =>
        Directory.EnumerateDirectories(folder)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && !Path.GetFileName(d).Equals("__MACOSX", StringComparison.OrdinalIgnoreCase))
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToList();
}
