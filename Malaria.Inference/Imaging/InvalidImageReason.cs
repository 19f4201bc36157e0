namespace Malaria.Inference.Imaging;

/// <summary>Why an input was rejected as an image; carried by <see cref="InvalidImageException"/>.</summary>
public enum InvalidImageReason
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>The data ends before the image does (a partial download or an interrupted copy).</summary>
    Truncated,

    /// <summary>The bytes are not an image of any known format (text, an archive, a document...).</summary>
    NotAnImage,

    /// <summary>A real image format this library does not accept (GIF, WebP, TIFF, HEIF).</summary>
    UnsupportedFormat,

    /// <summary>The header declares more pixels (or the data has more bytes) than <see cref="ImageLimits"/> allows.</summary>
    TooLarge,

    /// <summary>The header or the compressed data is damaged and cannot be decoded.</summary>
    Corrupt,

    /// <summary>
    /// The path names no regular file: a directory, a device, a FIFO, a socket, or a symbolic link that cannot be
    /// followed. Such paths are not opened (a FIFO would block, a device might never end).
    /// </summary>
    NotAFile,
}
