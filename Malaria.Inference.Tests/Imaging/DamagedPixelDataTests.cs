using System.Buffers.Binary;
using Malaria.Inference.Imaging;
using SkiaSharp;

namespace Malaria.Inference.Tests.Imaging;

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

    [TestCase(1), TestCase(3), TestCase(7)]
    public void A_jpeg_with_restart_markers_decodes_exactly(int restartInterval)
    {
        var (blocks, jpeg) = RestartJpeg(restartInterval);
        Assert.That(jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0x00]), Is.Not.Negative, "the data has stuffed bytes");
        using var decoded = ImageDecoder.Decode(jpeg, "restarts.jpg");
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((6 * 8, 4 * 8)));
        var pixels = decoded.Pixels;
        for (var b = 0; b < blocks.Length; b++)
        {
            var (x, y) = (b % 6 * 8 + 4, b / 6 * 8 + 4);  // the middle of block b
            Assert.That(pixels[4 * (y * decoded.Width + x)], Is.EqualTo(blocks[b]), $"block {b}");
        }
    }

    [Test]
    public void A_jpeg_cut_after_a_restart_marker_and_given_an_eoi_is_corrupt()
    {
        var (_, jpeg) = RestartJpeg(restartInterval: 4);
        var secondRestart = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD1]);
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(CutWithEoi(jpeg, secondRestart + 2), "cut.jpg"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt));
        Assert.That(error.Message, Does.Contain("stops after 8 of 24"));
    }

    [Test]
    public void A_jpeg_missing_a_restart_marker_is_corrupt()
    {
        var (_, jpeg) = RestartJpeg(restartInterval: 4);
        var firstRestart = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD0]);
        byte[] damaged = [.. jpeg[..firstRestart], .. jpeg[(firstRestart + 2)..]];
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(damaged, "no-rst.jpg"))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.Corrupt));
    }

    /// <summary>6 x 4 flat grey blocks, in pairs of equal values.</summary>
    private static (byte[] Blocks, byte[] Jpeg) RestartJpeg(int restartInterval)
    {
        var blocks = Enumerable.Range(0, 24).Select(b => (byte)(b / 2 * 37 % 256)).ToArray();
        return (blocks, FlatBlockJpeg.Encode(blocks, blocksWide: 6, restartInterval));
    }

    private static byte[] CutWithEoi(byte[] jpeg, int length) => [.. jpeg[..length], 0xFF, 0xD9];
}
