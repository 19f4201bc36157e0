using Malaria.Inference.Imaging;

namespace Malaria.Tests.Inference.Imaging;

/// <summary>
/// A file that is complete as a container (every PNG chunk and CRC in place, a JPEG that ends with EOI) but whose
/// compressed pixel data is damaged is <see cref="InvalidImageReason.Corrupt"/>, never decoded into a half-grey image.
/// </summary>
public sealed class DamagedPixelDataTests
{
    [Test]
    public void A_png_with_scrambled_zlib_data_and_valid_crcs_is_corrupt()
    {
        var png = TestImages.PngWithScrambledPixelData();
        Assert.DoesNotThrow(() => ImageHeaderReader.Read(png, "x"), "the chunk walk alone cannot see the damage");
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(png, "scrambled.png"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt), error.Message);  // before: Truncated
    }
}
