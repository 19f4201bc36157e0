using System.Buffers.Binary;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>The default pixel limit fits cell crops with a wide margin and refuses forged large headers.</summary>
public sealed class ImageLimitsTests
{
    [Test]
    public void The_default_accepts_1024_by_1024_and_refuses_more()
    {
        Assert.DoesNotThrow(() => ImageHeaderReader.Read(TestImages.Png(TestImages.Tint.Red, 1024, 1024), "edge.png"));
        var error = Assert.Throws<InvalidImageException>(() => ImageHeaderReader.Read(TestImages.PngDeclaring(1025, 1024), "over.png"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
    }

    [Test]
    public void A_tiny_jpeg_declaring_4096_by_4096_is_refused_from_its_header()
    {
        var jpeg = JpegDeclaring(4096, 4096);
        Assert.That(jpeg.Length, Is.LessThan(1024));
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(jpeg, "forged.jpg"))!;  // before: decoded
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
        Assert.That(error.Message, Does.Contain("4096 x 4096"));
    }

    /// <summary>A small real JPEG whose frame header (SOF0) is rewritten to declare another size.</summary>
    private static byte[] JpegDeclaring(int width, int height)
    {
        var jpeg = TestImages.Jpeg(TestImages.Tint.Red, 8, 8);
        var sof = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), (ushort)width);
        return jpeg;
    }
}
