using System.Diagnostics;
using Malaria.Inference;
using Malaria.Training.Evaluation;
using Microsoft.ML.Data;

namespace Malaria.Training.Robustness;

/// <summary>
/// Scores a labeled set clean and under every shift of <see cref="ShiftCatalogue"/> at severities 1 to 3, through the
/// classifier's <see cref="IMalariaClassifier.ClassifyBatch(IReadOnlyList{MLImage})"/> on decoded images: exactly what a
/// user of the library gets for those pixels. Recall, specificity and ROC AUC come from <see cref="BinaryMetrics"/>.
/// </summary>
public static class RobustnessBenchmark
{
    // Cells shifted and held in memory at once: enough to keep the model's batches full, small enough to stay cheap.
    private const int Chunk = 256;

    /// <summary>Every (shift, severity) the benchmark scores, the clean set (null, 0) first.</summary>
    public static IReadOnlyList<(ImageShift? Shift, int Severity)> Steps(IReadOnlyList<ImageShift> shifts) =>
        [(null, 0), .. shifts.SelectMany(s => s.Levels.Select(l => ((ImageShift?)s, l.Severity)))];

    /// <summary>One row per (shift, severity), the clean row first.</summary>
    /// <param name="classifier">The model under test.</param>
    /// <param name="cells">The decoded, labeled set.</param>
    /// <param name="seed">Seeds every shifted image (see <see cref="ShiftRandom"/>).</param>
    /// <param name="shifts">The shifts; <see cref="ShiftCatalogue.All"/> when null.</param>
    /// <param name="progress">Told after every chunk of cells.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    public static IReadOnlyList<RobustnessRow> Run(IMalariaClassifier classifier, BenchmarkCells cells, int seed,
        IReadOnlyList<ImageShift>? shifts = null, IProgress<BenchmarkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count == 0) throw new ArgumentException("The benchmark needs at least one cell.", nameof(cells));
        var steps = Steps(shifts ?? ShiftCatalogue.All);
        var rows = new List<RobustnessRow>(steps.Count);
        for (var s = 0; s < steps.Count; s++)
        {
            var (shift, severity) = steps[s];
            var name = shift?.Name ?? RobustnessRow.Clean;
            var predicted = new bool[cells.Count];
            var scores = new double[cells.Count];
            var watch = Stopwatch.StartNew();
            for (var start = 0; start < cells.Count; start += Chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(Chunk, cells.Count - start);
                var images = new MLImage[count];
                try
                {
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                        i => images[i] = Shifted(cells, start + i, shift, severity, seed).ToImage());
                    var predictions = classifier.ClassifyBatch(images);
                    for (var i = 0; i < count; i++)
                    {
                        predicted[start + i] = predictions[i].IsParasitized;
                        scores[start + i] = predictions[i].ScoreOf(cells.PositiveLabel);
                    }
                }
                finally
                {
                    foreach (var image in images) image?.Dispose();
                }
                var done = start + count;
                var rate = done / Math.Max(1e-6, watch.Elapsed.TotalSeconds);
                RobustnessRow? row = null;
                if (done == cells.Count)
                {
                    var metrics = BinaryMetrics.Compute(cells.IsPositive, predicted, scores);
                    row = new RobustnessRow(name, shift?.Family ?? RobustnessRow.Clean, severity, shift?.Levels[severity - 1].Parameters ?? "", metrics);
                    rows.Add(row);
                }
                progress?.Report(new BenchmarkProgress(s + 1, steps.Count, name, severity, done, cells.Count, rate, row));
            }
        }
        return rows;
    }

    /// <summary>
    /// Cell <paramref name="index"/> under <paramref name="shift"/> at <paramref name="severity"/> (the clean pixels
    /// for a null shift), made with its own seeded generator: the same pixels in every run, order and thread.
    /// </summary>
    public static CellPixels Shifted(BenchmarkCells cells, int index, ImageShift? shift, int severity, int seed)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (shift is null || severity == 0) return cells.Pixels[index];
        var context = new ShiftContext(ShiftRandom.For(seed, cells.Keys[index], shift.Name, severity), cells.Neighbours);
        return shift.Apply(cells.Pixels[index], severity, context);
    }
}
