namespace Malaria.Inference.Imaging;

/// <summary>What an image's header declares, read without decoding any pixel.</summary>
/// <param name="Format">The format recognised from the signature.</param>
/// <param name="Width">Declared width in pixels.</param>
/// <param name="Height">Declared height in pixels.</param>
/// <param name="BitsPerChannel">Bits per sample (8 or 16 for PNG, usually 8 otherwise; 0 when the format does not say).</param>
public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height, int BitsPerChannel)
{
    /// <summary>Width x height.</summary>
    public long PixelCount => (long)Width * Height;
}
