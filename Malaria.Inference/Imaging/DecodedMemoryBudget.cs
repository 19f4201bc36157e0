namespace Malaria.Inference.Imaging;

/// <summary>
/// Bounds the decoded pixel memory a batch holds: before decoding the next image, ask <see cref="TryAdd(ImageHeader)"/>
/// with its header; when it answers false, score and release the images already decoded, <see cref="Clear"/>, and
/// add the image to the fresh batch. The cost of an image is known from its header alone
/// (<see cref="ImageHeaderReader.Read"/>), so nothing is allocated before the decision. Not thread-safe: one per batch loop.
/// </summary>
public sealed class DecodedMemoryBudget
{
    /// <summary>Bytes per decoded pixel: the decoder's 8-bit BGRA.</summary>
    public const int BytesPerPixel = 4;

    /// <summary>Creates a budget of <paramref name="maxBytes"/> (usually <see cref="ImageLimits.MaxBatchDecodedBytes"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is not positive.</exception>
    public DecodedMemoryBudget(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        MaxBytes = maxBytes;
    }

    /// <summary>The most bytes the batch may hold.</summary>
    public long MaxBytes { get; }

    /// <summary>Bytes taken by the images added since the last <see cref="Clear"/>.</summary>
    public long UsedBytes { get; private set; }

    /// <summary>Images added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Decoded bytes of an image of this size: width x height x <see cref="BytesPerPixel"/>.</summary>
    public static long CostOf(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        return (long)width * height * BytesPerPixel;
    }

    /// <summary>Decoded bytes of the image this header declares.</summary>
    public static long CostOf(ImageHeader header) => CostOf(header.Width, header.Height);

    /// <summary>
    /// Counts the image in when it fits what is left, or when the batch is empty: a single image is never refused here
    /// (<see cref="ImageLimits.MaxPixels"/> is what bounds one image). False means: flush the batch first.
    /// </summary>
    public bool TryAdd(int width, int height)
    {
        var cost = CostOf(width, height);
        if (Count > 0 && cost > MaxBytes - UsedBytes) return false;
        UsedBytes += cost;
        Count++;
        return true;
    }

    /// <inheritdoc cref="TryAdd(int, int)"/>
    public bool TryAdd(ImageHeader header) => TryAdd(header.Width, header.Height);

    /// <summary>Starts a new batch.</summary>
    public void Clear()
    {
        UsedBytes = 0;
        Count = 0;
    }
}
