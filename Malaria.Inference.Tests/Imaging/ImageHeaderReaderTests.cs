using System.Buffers.Binary;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>What a header declares is reported as declared, even when it does not fit the types used afterwards.</summary>
public sealed class ImageHeaderReaderTests
{
    [TestCase(3_000_000_000u, 10u, "3000000000 x 10")]
    [TestCase(10u, 4_294_967_295u, "10 x 4294967295")]
    [TestCase(4_294_967_295u, 4_294_967_295u, "4294967295 x 4294967295")]
    public void A_png_size_past_int_max_is_printed_as_declared(uint width, uint height, string expected)
    {
        var png = PngDeclaring(width, height);
        var error = Assert.Throws<InvalidImageException>(() => ImageHeaderReader.Read(png, "huge.png"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
        Assert.That(error.Message, Does.Contain(expected).And.Not.Contain("2147483647"));  // before: clamped to int.MaxValue
    }

    [Test]
    public void A_png_with_a_zero_side_is_corrupt_and_shows_the_other_side_as_declared()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageHeaderReader.Read(PngDeclaring(0, 3_000_000_000u), "flat.png"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt));
        Assert.That(error.Message, Does.Contain("0 x 3000000000"));
    }

    private static byte[] PngDeclaring(uint width, uint height)
    {
        var png = TestImages.Png(TestImages.Tint.Red, 4, 4);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        return png;
    }
}
