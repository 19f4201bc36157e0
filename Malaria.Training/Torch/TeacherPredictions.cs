using System.Globalization;
using Malaria.Training.Data;

namespace Malaria.Training.Torch;

/// <summary>
/// A teacher's cached predictions for <see cref="Distillation"/>: a CSV with a path column and a probability column
/// (the positive class's), as <c>score</c> writes them. <c>score</c> writes paths relative to the folder it was given,
/// so a row is matched to the training image whose full path ends with the row's path; file names alone are
/// ambiguous across folders, and a full path recorded on another machine would match nothing.
/// </summary>
internal static class TeacherPredictions
{
    /// <summary>The path columns looked for: score's, then a manifest's.</summary>
    public static readonly IReadOnlyList<string> PathColumns = ["path", "relpath"];
    public const string ProbabilityColumn = "probability";

    /// <summary>
    /// The teacher's positive-class probability for every image of <paramref name="set"/>, in its order. Fails naming
    /// the file and the first image it has no usable prediction for, or a row that matches two images.
    /// </summary>
    public static float[] For(DecodedImageSet set, string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"Teacher predictions '{file}' do not exist; write them with 'score --model TEACHER --input SPLIT.csv --out DIR' and pass DIR/scores.csv.", file);
        var byName = new Dictionary<string, List<(string Path, float? Probability, int Line)>>(StringComparer.Ordinal);
        using (var table = CsvTable.Open(file, $"Teacher predictions '{file}'"))
        {
            var pathIndex = table.FindFirst(PathColumns);
            var probabilityIndex = table.Find(ProbabilityColumn);
            if (pathIndex < 0 || probabilityIndex < 0)
                throw new InvalidDataException($"Teacher predictions '{file}' need a path and a {ProbabilityColumn} column; the header is '{string.Join(',', table.Header)}'.");
            foreach (var (lineNumber, fields) in table.Rows())
            {
                var path = Normalize(fields[pathIndex]);
                float? probability = null;
                // An empty probability is a file the teacher could not score (score writes its error beside it).
                if (fields[probabilityIndex].Length > 0)
                {
                    if (!float.TryParse(fields[probabilityIndex], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !(p >= 0 && p <= 1))
                        throw new InvalidDataException($"Teacher predictions '{file}' line {lineNumber}: probability '{fields[probabilityIndex]}' is not a number from 0 to 1.");
                    probability = p;
                }
                var name = Path.GetFileName(path);
                if (!byName.TryGetValue(name, out var rows)) byName[name] = rows = [];
                rows.Add((path, probability, lineNumber));
            }
        }

        var result = new float[set.Count];
        var missing = 0;
        string? firstMissing = null;
        for (var i = 0; i < set.Count; i++)
        {
            var full = Normalize(Path.GetFullPath(set.Images[i].Path));
            var matches = byName.TryGetValue(Path.GetFileName(full), out var rows)
                ? rows.Where(r => full == r.Path || full.EndsWith("/" + r.Path.TrimStart('/'), StringComparison.Ordinal)).ToList()
                : [];
            if (matches.Count > 1)
                throw new InvalidDataException($"Teacher predictions '{file}' lines {string.Join(" and ", matches.Select(m => m.Line))} both match the image '{set.Images[i].Path}'; give paths that tell them apart.");
            if (matches.Count == 1 && matches[0].Probability is { } p) result[i] = p;
            else
            {
                missing++;
                firstMissing ??= set.Images[i].Path;
            }
        }
        if (missing > 0)
            throw new InvalidDataException($"Teacher predictions '{file}' have no probability for {missing:N0} of the {set.Count:N0} training images, the first '{firstMissing}'; score every training image with the teacher.");
        return result;
    }

    private static string Normalize(string path) => path.Replace('\\', '/');
}
