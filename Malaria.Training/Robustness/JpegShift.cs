using Malaria.Inference.Imaging;
using SkiaSharp;

namespace Malaria.Training.Robustness;

/// <summary>
/// JPEG compression: the crop re-encoded by SkiaSharp at falling quality and decoded by the library's own decoder, as
/// a lab that stores or sends JPEGs would feed the classifier.
/// </summary>
public static class JpegShift
{
    /// <summary>The family's name in the report.</summary>
    public const string Family = "JPEG";

    /// <summary>JPEG quality (0..100) per severity.</summary>
    public static readonly IReadOnlyList<int> Qualities = [50, 25, 10];

    /// <summary>The shift.</summary>
    public static ImageShift Jpeg { get; } = ImageShift.Create("jpeg", Family,
        "Encodes the whole crop as JPEG at the given quality with SkiaSharp and decodes it again with the library's decoder.",
        Qualities, q => $"quality {q}", (image, quality, _) => Recompress(image, quality));

    /// <summary>The image after a JPEG round trip at <paramref name="quality"/>.</summary>
    public static CellPixels Recompress(CellPixels image, int quality)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var bitmap = image.ToBitmap();
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException($"Skia could not encode a {image.Width} x {image.Height} image as JPEG.");
        using var decoded = ImageDecoder.Decode(data.AsSpan(), "JPEG shift");
        return CellPixels.FromImage(decoded);
    }
}
