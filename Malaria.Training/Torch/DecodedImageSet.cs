using Malaria.Training.Data;
using SkiaSharp;

namespace Malaria.Training.Torch;

/// <summary>
/// Images decoded once and resized to a square, kept in memory as planar RGB bytes (CHW), with their label indices.
/// Decoding runs on every core ahead of training, so each epoch costs only augmentation and the model. 14,570 NIH
/// cells take 180 MB at 64 px, 720 MB at 128 px.
/// </summary>
internal sealed class DecodedImageSet
{
    private DecodedImageSet(IReadOnlyList<LabeledImage> images, int size, byte[] pixels, int[] labels)
    {
        Images = images;
        Size = size;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Source images, in the order of <see cref="Labels"/>.</summary>
    public IReadOnlyList<LabeledImage> Images { get; }

    /// <summary>Side length in pixels.</summary>
    public int Size { get; }

    /// <summary>Pixel bytes; image i occupies [i*3*Size*Size, (i+1)*3*Size*Size), R plane, G plane, B plane.</summary>
    public byte[] Pixels { get; }

    /// <summary>Label index per image (position in the trainer's sorted label list).</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int ImageBytes => 3 * Size * Size;

    /// <summary>
    /// Decodes and resizes (stretching to a square; the NIH crops are nearly square) in parallel. Fails naming the first
    /// file that cannot be decoded.
    /// </summary>
    public static DecodedImageSet Decode(IReadOnlyList<LabeledImage> images, IReadOnlyList<string> labels, int size,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        var imageBytes = 3 * size * size;
        var pixels = new byte[checked((long)imageBytes * images.Count)];
        var labelIndex = new int[images.Count];
        var done = 0;
        Parallel.For(0, images.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var image = images[i];
            var index = -1;
            for (var l = 0; l < labels.Count; l++) if (labels[l] == image.Label) index = l;
            if (index < 0) throw new InvalidDataException($"Image '{image.Path}' has label '{image.Label}', which is not one of {string.Join(", ", labels)}.");
            labelIndex[i] = index;
            DecodeInto(image.Path, size, pixels.AsSpan(i * imageBytes, imageBytes));
            var count = Interlocked.Increment(ref done);
            if (count % 256 == 0 || count == images.Count) progress?.Report(count);
        });
        return new DecodedImageSet(images, size, pixels, labelIndex);
    }

    /// <summary>Builds a set from pixels already in memory (tests, generated data).</summary>
    public static DecodedImageSet FromPixels(IReadOnlyList<LabeledImage> images, int size, byte[] pixels, int[] labels)
    {
        if (pixels.Length != 3 * size * size * labels.Length || images.Count != labels.Length)
            throw new ArgumentException("Pixel buffer, images and labels disagree in size.");
        return new DecodedImageSet(images, size, pixels, labels);
    }

    /// <summary>
    /// Decodes and resizes with the inference library's own code (its decoder, then <c>SmoothResizer</c>), so a network
    /// sees exactly the pixels in training that the library will feed it in production.
    /// </summary>
    private static void DecodeInto(string path, int size, Span<byte> planes)
    {
        byte[] rgba;
        try
        {
            using var decoded = Malaria.Inference.Imaging.ImageDecoder.DecodeFile(path);
            rgba = Malaria.Inference.Imaging.SmoothResizer.ResizeToRgba(decoded, size, size);
        }
        catch (Malaria.Inference.Imaging.InvalidImageException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
        var plane = size * size;
        for (int p = 0, o = 0; p < plane; p++, o += 4)
        {
            planes[p] = rgba[o];
            planes[plane + p] = rgba[o + 1];
            planes[2 * plane + p] = rgba[o + 2];
        }
    }
}
