namespace Malaria.Inference.Imaging;

/// <summary>
/// Limits checked before any pixel is decoded, so that a small file declaring a huge image (a decompression bomb)
/// is rejected from its header instead of exhausting memory.
/// </summary>
public sealed class ImageLimits
{
    /// <summary>
    /// Largest accepted width x height, read from the header. Default: 1,048,576 (1024 x 1024). A cell crop is about
    /// 130 x 130 pixels and crops from other microscopes a few hundred a side, so 1024 a side leaves a wide margin
    /// while a forged header of a few bytes can make each image cost at most 4 MiB of decoded pixels. Raise it only
    /// to classify whole fields of view, which the model is not trained for anyway.
    /// </summary>
    public long MaxPixels { get; set; } = 1024L * 1024L;

    /// <summary>Largest accepted encoded size in bytes. Default: 64 MiB.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Most decoded pixel memory (4 bytes a pixel) one batch may hold at once; a batch is cut short when the next image
    /// would pass it (see <see cref="DecodedMemoryBudget"/>). Default: 256 MiB, room for 64 images at the largest
    /// <see cref="MaxPixels"/> and for thousands of cell crops.
    /// </summary>
    public long MaxBatchDecodedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static ImageLimits Default { get; } = new();

    internal void Validate()
    {
        if (MaxPixels <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "must be positive");
        if (MaxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must be positive");
        if (MaxBatchDecodedBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBatchDecodedBytes), MaxBatchDecodedBytes, "must be positive");
    }
}
