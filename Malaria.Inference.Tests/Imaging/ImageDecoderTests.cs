using Malaria.Inference;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>Every accepted format decodes and classifies; every bad input is rejected before decoding with a clear reason.</summary>
public sealed class ImageDecoderTests
{
    private TempFolder _folder = null!;
    private MalariaClassifier _classifier = null!;

    [OneTimeSetUp]
    public void LoadModel()
    {
        _folder = new TempFolder();
        _classifier = MalariaClassifier.Load(TestModels.Write(_folder.Path, flipped: false));
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        _classifier?.Dispose();  // null when the set-up failed
        _folder?.Dispose();
    }

    public static IEnumerable<TestCaseData> ColourFormats()
    {
        foreach (var tint in new[] { TestImages.Tint.Red, TestImages.Tint.Blue })
        {
            var expected = tint == TestImages.Tint.Red ? "Parasitized" : "Uninfected";
            yield return new TestCaseData(TestImages.Png(tint), ImageFormat.Png, expected).SetName($"PNG RGB 8-bit {tint}");
            yield return new TestCaseData(TestImages.Png(tint, bitDepth: 16), ImageFormat.Png, expected).SetName($"PNG RGB 16-bit {tint}");
            yield return new TestCaseData(TestImages.Png(tint, colorType: 6), ImageFormat.Png, expected).SetName($"PNG RGBA 8-bit {tint}");
            yield return new TestCaseData(TestImages.Png(tint, colorType: 6, bitDepth: 16), ImageFormat.Png, expected).SetName($"PNG RGBA 16-bit {tint}");
            yield return new TestCaseData(TestImages.Jpeg(tint), ImageFormat.Jpeg, expected).SetName($"JPEG {tint}");
            yield return new TestCaseData(TestImages.Bmp(tint), ImageFormat.Bmp, expected).SetName($"BMP 24-bit {tint}");
        }
    }

    [TestCaseSource(nameof(ColourFormats))]
    public void Colour_formats_decode_and_classify_by_colour(byte[] encoded, ImageFormat format, string expected)
    {
        Assert.That(ImageHeaderReader.Read(encoded, "x").Format, Is.EqualTo(format));
        using var image = ImageDecoder.Decode(encoded, "test");
        Assert.That((image.Width, image.Height), Is.EqualTo((24, 20)));
        var prediction = _classifier.Classify(encoded, "test");
        Assert.That(prediction.Label, Is.EqualTo(expected));
        Assert.That(prediction.IsParasitized, Is.EqualTo(expected == "Parasitized"));
        Assert.That(prediction.Confidence, Is.GreaterThan(0.5f));
    }

    public static IEnumerable<TestCaseData> GreyFormats()
    {
        yield return new TestCaseData(TestImages.Png(TestImages.Tint.Red, colorType: 0)).SetName("PNG grey 8-bit");
        yield return new TestCaseData(TestImages.Png(TestImages.Tint.Red, colorType: 0, bitDepth: 16)).SetName("PNG grey 16-bit");
        yield return new TestCaseData(TestImages.Png(TestImages.Tint.Red, colorType: 4)).SetName("PNG grey+alpha 8-bit");
        yield return new TestCaseData(TestImages.Jpeg(TestImages.Tint.Red, grey: true)).SetName("JPEG grey");
    }

    [TestCaseSource(nameof(GreyFormats))]
    public void Grey_formats_become_equal_rgb_channels_and_classify(byte[] encoded)
    {
        using var image = ImageDecoder.Decode(encoded, "grey");
        var pixels = image.Pixels;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            Assert.That(pixels[i], Is.EqualTo(pixels[i + 1]).And.EqualTo(pixels[i + 2]), $"pixel {i / 4} is not grey");
            Assert.That(pixels[i + 3], Is.EqualTo(255));
        }
        var prediction = _classifier.Classify(encoded, "grey");
        Assert.That(prediction.Scores.Values.Sum(), Is.EqualTo(1f).Within(1e-4f));
        Assert.That(TestModels.Labels, Does.Contain(prediction.Label));
    }

    [Test]
    public void Sixteen_bit_png_keeps_the_high_byte()
    {
        using var eight = ImageDecoder.Decode(TestImages.Png(TestImages.Tint.Red), "8");
        using var sixteen = ImageDecoder.Decode(TestImages.Png(TestImages.Tint.Red, bitDepth: 16), "16");
        Assert.That(sixteen.Pixels.ToArray(), Is.EqualTo(eight.Pixels.ToArray()));
    }

    [Test]
    public void Path_stream_and_bytes_give_the_same_prediction()
    {
        var bytes = TestImages.Png(TestImages.Tint.Red);
        var path = _folder.Combine("cell.png");
        File.WriteAllBytes(path, bytes);
        var fromPath = _classifier.Classify(path);
        using var stream = new MemoryStream(bytes);
        var fromStream = _classifier.Classify(stream, "upload.png");
        var fromBytes = _classifier.Classify(bytes);
        using var decoded = ImageDecoder.Decode(bytes);
        var fromImage = _classifier.Classify(decoded);
        Assert.That(fromStream.ScoreVector, Is.EqualTo(fromPath.ScoreVector));
        Assert.That(fromBytes.ScoreVector, Is.EqualTo(fromPath.ScoreVector));
        Assert.That(fromImage.ScoreVector, Is.EqualTo(fromPath.ScoreVector));
        Assert.That(fromPath.ModelVersion, Is.EqualTo(_classifier.Version));
    }

    [Test]
    public async Task Async_stream_reading_works_where_synchronous_reads_are_forbidden()
    {
        var bytes = TestImages.Png(TestImages.Tint.Red);
        await using var body = new AsyncOnlyStream(bytes);
        var prediction = await _classifier.ClassifyAsync(body, "request-body");
        Assert.That(prediction.ScoreVector, Is.EqualTo(_classifier.Classify(bytes).ScoreVector));
        Assert.Throws<InvalidOperationException>(() => _classifier.Classify(new AsyncOnlyStream(bytes)), "the stand-in really forbids sync reads");
        var tooLong = new AsyncOnlyStream(bytes);
        var limited = new MalariaClassifierOptions { ImageLimits = { MaxBytes = 64 } };
        var error = (await Assert.ThrowsAsync<InvalidImageException>(() => ImageDecoder.DecodeAsync(tooLong, "request-body", limited.ImageLimits)))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
    }

    /// <summary>Like an ASP.NET Core request body with AllowSynchronousIO off.</summary>
    private sealed class AsyncOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(buffer.Length, Math.Min(7, data.Length - _position));  // small reads, like a network
            data.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return new ValueTask<int>(count);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    public static IEnumerable<TestCaseData> BadInputs()
    {
        var png = TestImages.Png(TestImages.Tint.Red);
        var jpeg = TestImages.Jpeg(TestImages.Tint.Red);
        var bmp = TestImages.Bmp(TestImages.Tint.Red);
        yield return new TestCaseData(Array.Empty<byte>(), InvalidImageReason.Empty).SetName("empty");
        yield return new TestCaseData(png[..(png.Length / 2)], InvalidImageReason.Truncated).SetName("PNG cut in half");
        yield return new TestCaseData(png[..20], InvalidImageReason.Truncated).SetName("PNG cut inside IHDR");
        yield return new TestCaseData(jpeg[..(jpeg.Length / 2)], InvalidImageReason.Truncated).SetName("JPEG cut in half");
        yield return new TestCaseData(jpeg[..4], InvalidImageReason.Truncated).SetName("JPEG cut before SOF");
        yield return new TestCaseData(bmp[..(bmp.Length - 10)], InvalidImageReason.Truncated).SetName("BMP missing pixel rows");
        yield return new TestCaseData("patient,label\nC1,Parasitized\n"u8.ToArray(), InvalidImageReason.NotAnImage).SetName("CSV text");
        yield return new TestCaseData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0 }, InvalidImageReason.NotAnImage).SetName("zip archive");
        yield return new TestCaseData("GIF89a\x01\0\x01\0\0\0\0;"u8.ToArray(), InvalidImageReason.UnsupportedFormat).SetName("GIF");
        yield return new TestCaseData("RIFF\0\0\0\0WEBPVP8 "u8.ToArray(), InvalidImageReason.UnsupportedFormat).SetName("WebP");
        yield return new TestCaseData("II*\0\x08\0\0\0"u8.ToArray(), InvalidImageReason.UnsupportedFormat).SetName("TIFF");
        yield return new TestCaseData(TestImages.PngDeclaring(100_000, 100_000), InvalidImageReason.TooLarge).SetName("PNG bomb 100000x100000");
        yield return new TestCaseData(TestImages.PngDeclaring(0, 10), InvalidImageReason.Corrupt).SetName("PNG zero width");
        var garbled = (byte[])png.Clone();
        for (var i = 41; i < garbled.Length - 16; i++) garbled[i] ^= 0x5A;  // scramble IDAT, keep IHDR and IEND
        yield return new TestCaseData(garbled, InvalidImageReason.Corrupt).SetName("PNG with scrambled pixel data");
    }

    [TestCaseSource(nameof(BadInputs))]
    public void Bad_input_is_rejected_with_reason_and_source(byte[] data, InvalidImageReason reason)
    {
        var error = Assert.Throws<InvalidImageException>(() => _classifier.Classify(data, "upload-17.bin"))!;
        Assert.That(error.Reason, Is.EqualTo(reason), error.Message);
        Assert.That(error.SourceName, Is.EqualTo("upload-17.bin"));
        Assert.That(error.Message, Does.StartWith("Image 'upload-17.bin' "));
    }

    [Test]
    public void Bad_file_is_named_by_its_path()
    {
        var path = _folder.Combine("Thumbs.db");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var error = Assert.Throws<InvalidImageException>(() => _classifier.Classify(path))!;
        Assert.That(error.Message, Does.Contain(path).And.Contain("not an image"));
        Assert.Throws<FileNotFoundException>(() => _classifier.Classify(_folder.Combine("missing.png")));
    }

    [Test]
    public void Pixel_and_byte_limits_are_configurable()
    {
        var png = TestImages.Png(TestImages.Tint.Red);  // 24 x 20 = 480 pixels
        Assert.DoesNotThrow(() => ImageHeaderReader.Read(png, "a", new ImageLimits { MaxPixels = 480 }));
        var pixels = Assert.Throws<InvalidImageException>(() => ImageHeaderReader.Read(png, "a", new ImageLimits { MaxPixels = 479 }))!;
        Assert.That(pixels.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
        Assert.That(pixels.Message, Does.Contain("24 x 20"));
        var bytes = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(new MemoryStream(png), "s", new ImageLimits { MaxBytes = 100 }))!;
        Assert.That(bytes.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
        using var classifier = MalariaClassifier.Load(Path.Combine(_folder.Path, "model.zip"), new MalariaClassifierOptions { ImageLimits = { MaxPixels = 100 } });
        Assert.That(Assert.Throws<InvalidImageException>(() => classifier.Classify(png))!.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
    }

    [Test]
    public void Bomb_headers_are_read_without_allocating_the_declared_pixels()
    {
        var bomb = TestImages.PngDeclaring(60_000, 60_000);  // 14.4 GB of BGRA if decoded
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(bomb, "bomb.png"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(64 * 1024), "rejecting a bomb must not allocate in proportion to its declared size");
    }
}
