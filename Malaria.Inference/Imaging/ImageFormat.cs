namespace Malaria.Inference.Imaging;

/// <summary>An encoded image format, as recognised from the first bytes of the data (never from the file name).</summary>
public enum ImageFormat
{
    /// <summary>The bytes match no known image signature.</summary>
    Unknown = 0,

    /// <summary>PNG (any bit depth and colour type). Supported.</summary>
    Png,

    /// <summary>JPEG (baseline or progressive). Supported.</summary>
    Jpeg,

    /// <summary>Windows bitmap. Supported.</summary>
    Bmp,

    /// <summary>GIF: recognised but not supported (microscope crops are never animated).</summary>
    Gif,

    /// <summary>WebP: recognised but not supported.</summary>
    Webp,

    /// <summary>TIFF: recognised but not supported.</summary>
    Tiff,

    /// <summary>HEIF/AVIF (ISO base media): recognised but not supported.</summary>
    Heif,
}
