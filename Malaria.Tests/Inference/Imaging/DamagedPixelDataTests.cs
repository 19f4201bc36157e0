using System.Buffers.Binary;
using Malaria.Inference.Imaging;
using SkiaSharp;

namespace Malaria.Tests.Inference.Imaging;

/// <summary>
/// A file that is complete as a container (every PNG chunk and CRC in place, a JPEG that ends with EOI) but whose
/// compressed pixel data is damaged is <see cref="InvalidImageReason.Corrupt"/>, never decoded into a half-grey image;
/// valid JPEGs of any quality still decode.
/// </summary>
public sealed class DamagedPixelDataTests
{
    private static readonly int[] Qualities = [20, 50, 75, 90, 100];

    [Test]
    public void A_png_with_scrambled_zlib_data_and_valid_crcs_is_corrupt()
    {
        var png = TestImages.PngWithScrambledPixelData();
        Assert.DoesNotThrow(() => ImageHeaderReader.Read(png, "x"), "the chunk walk alone cannot see the damage");
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(png, "scrambled.png"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt), error.Message);  // before: Truncated
    }

    [TestCase(false), TestCase(true)]
    public void A_jpeg_cut_inside_its_scan_and_given_an_eoi_is_corrupt(bool grey)
    {
        var jpeg = TestImages.Jpeg(TestImages.Tint.Red, 64, 48, grey);
        var scanStart = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xDA]);
        var damaged = CutWithEoi(jpeg, scanStart + (jpeg.Length - scanStart) / 2);

        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(damaged, "cut.jpg"))!;  // before: decoded, grey-filled
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt), error.Message);
        Assert.That(error.Message, Does.Contain("scan data stops after"));
    }

    [Test]
    public void Nih_cells_re_encoded_as_baseline_jpeg_decode_and_cut_copies_are_corrupt()
    {
        var cells = Directory.EnumerateFiles(Path.Combine(SharedData.MalariaImages, "Parasitized"), "*.png").Order().Take(4)
            .Concat(Directory.EnumerateFiles(Path.Combine(SharedData.MalariaImages, "Uninfected"), "*.png").Order().Take(4));
        foreach (var cell in cells)
        {
            using var bitmap = SKBitmap.Decode(cell);
            using var grey = new SKBitmap(bitmap.Width, bitmap.Height, SKColorType.Gray8, SKAlphaType.Opaque);
            Assert.That(bitmap.CopyTo(grey, SKColorType.Gray8), "grey copy of " + cell);
            foreach (var quality in Qualities)
            {
                foreach (var (source, kind) in new[] { (bitmap, "colour"), (grey, "grey") })
                {
                    var jpeg = source.Encode(SKEncodedImageFormat.Jpeg, quality).ToArray();
                    var name = $"{Path.GetFileName(cell)} {kind} q{quality}";
                    using (var decoded = ImageDecoder.Decode(jpeg, name))
                        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((bitmap.Width, bitmap.Height)), name);

                    var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(CutWithEoi(jpeg, jpeg.Length / 2), name))!;
                    Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt), name + ": " + error.Message);
                }
            }
        }
    }

    [Test]
    public void A_restart_interval_covering_the_whole_scan_needs_no_restart_marker()
    {
        var jpeg = TestImages.Jpeg(TestImages.Tint.Blue, 64, 48);
        var scanStart = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xDA]);
        var restartInterval = new byte[6] { 0xFF, 0xDD, 0, 4, 0, 0 };
        BinaryPrimitives.WriteUInt16BigEndian(restartInterval.AsSpan(4), 1000);  // more MCUs than the image has
        byte[] withInterval = [.. jpeg[..scanStart], .. restartInterval, .. jpeg[scanStart..]];
        using var decoded = ImageDecoder.Decode(withInterval, "dri.jpg");
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((64, 48)));
    }

    private static byte[] CutWithEoi(byte[] jpeg, int length) => [.. jpeg[..length], 0xFF, 0xD9];
}
