namespace Malaria.Inference.Imaging;

/// <summary>
/// Limits checked before any pixel is decoded, so that a small file declaring a huge image (a decompression bomb)
/// is rejected from its header instead of exhausting memory.
/// </summary>
public sealed class ImageLimits
{
    /// <summary>Largest accepted width x height, read from the header. Default: 16,777,216 (4096 x 4096); a cell crop is about 130 x 130.</summary>
    public long MaxPixels { get; set; } = 4096L * 4096L;

    /// <summary>Largest accepted encoded size in bytes. Default: 64 MiB.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static ImageLimits Default { get; } = new();

    internal void Validate()
    {
        if (MaxPixels <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "must be positive");
        if (MaxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must be positive");
    }
}
