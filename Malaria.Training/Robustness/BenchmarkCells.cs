using Malaria.Inference.Imaging;
using Malaria.Training.Data;

namespace Malaria.Training.Robustness;

/// <summary>
/// The labeled cells of a benchmark, decoded once by the library's decoder and kept in memory (about 70 KB a cell), with
/// a name per cell that seeds its shifts and the pool of neighbours the context shift draws from.
/// </summary>
public sealed class BenchmarkCells
{
    private BenchmarkCells(IReadOnlyList<LabeledImage> images, IReadOnlyList<string> keys, IReadOnlyList<CellPixels> pixels,
        IReadOnlyList<bool> isPositive, string positiveLabel)
    {
        Images = images;
        Keys = keys;
        Pixels = pixels;
        IsPositive = isPositive;
        PositiveLabel = positiveLabel;
        var negatives = pixels.Where((_, i) => !isPositive[i]).ToList();
        // Neighbours are uninfected cells, as most of a smear's are: a call that changes then comes from the context,
        // not from a parasite moved into view. A set without uninfected cells lends all of its cells.
        Neighbours = negatives.Count > 0 ? negatives : pixels;
    }

    /// <summary>The images, in the order given.</summary>
    public IReadOnlyList<LabeledImage> Images { get; }

    /// <summary>Per image, <c>label/file name</c>: the same wherever the data lives, so shifts are the same on every machine.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Per image, the decoded pixels.</summary>
    public IReadOnlyList<CellPixels> Pixels { get; }

    /// <summary>Per image, whether its label is <see cref="PositiveLabel"/>.</summary>
    public IReadOnlyList<bool> IsPositive { get; }

    /// <summary>The model's positive label (Parasitized).</summary>
    public string PositiveLabel { get; }

    /// <summary>The cells the context shift places around a cell: the set's uninfected cells.</summary>
    public IReadOnlyList<CellPixels> Neighbours { get; }

    /// <summary>Number of cells.</summary>
    public int Count => Images.Count;

    /// <summary>Number of positive cells.</summary>
    public int Positives => IsPositive.Count(p => p);

    /// <summary>Decodes every image in parallel; <paramref name="progress"/> gets the number decoded so far.</summary>
    /// <exception cref="InvalidImageException">An image is not usable; the message names it.</exception>
    /// <exception cref="FileNotFoundException">An image does not exist.</exception>
    public static BenchmarkCells Decode(IReadOnlyList<LabeledImage> images, string positiveLabel, ImageLimits limits, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(positiveLabel);
        var pixels = new CellPixels[images.Count];
        var done = 0;
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            using var image = ImageDecoder.DecodeFile(images[i].Path, limits);
            pixels[i] = CellPixels.FromImage(image);
            progress?.Report(Interlocked.Increment(ref done));
        });
        var keys = images.Select(i => $"{i.Label}/{Path.GetFileName(i.Path)}").ToList();
        var isPositive = images.Select(i => string.Equals(i.Label, positiveLabel, StringComparison.Ordinal)).ToList();
        return new BenchmarkCells(images, keys, pixels, isPositive, positiveLabel);
    }
}
