using System.Diagnostics;
using System.Net.Sockets;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>
/// Image paths: only regular files are read, and never past the byte limit. Devices, FIFOs, sockets, directories and
/// link loops are refused from the path alone, each with an error that names the path and says what it is.
/// </summary>
public sealed class ImageFileTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test, Platform("Linux")]
    public void A_character_device_is_refused_without_reading_it()
    {
        var error = DecodeWithin("/dev/zero", Patience);  // before: read until OutOfMemoryException
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.NotAFile));
        Assert.That(error.Message, Is.EqualTo("Image '/dev/zero' is not a regular file: it is a character device; images are read from regular files only."));
    }

    [Test, Platform("Linux,MacOsX")]
    public void A_fifo_is_refused_without_opening_it()
    {
        var fifo = _folder.Combine("cell.png");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        Assume.That(File.Exists(fifo), "mkfifo made the FIFO");
        // Should a reader stay blocked in open(), opening the FIFO read-write (which never blocks on Linux) releases it.
        var error = DecodeWithin(fifo, Patience, release: () => new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite).Dispose());
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.NotAFile).Or.EqualTo(InvalidImageReason.Empty), error.Message);
        if (OperatingSystem.IsLinux()) Assert.That(error.Message, Does.Contain(fifo).And.Contain("FIFO"));
    }

    [Test, Platform("Linux")]
    public void A_socket_is_refused()
    {
        var path = _folder.Combine("cell.png");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(path))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.NotAFile));
        Assert.That(error.Message, Does.Contain(path).And.Contain("socket"));
    }

    [Test]
    public void A_directory_is_reported_as_a_directory()
    {
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(_folder.Path))!;  // before: "does not exist"
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.NotAFile));
        Assert.That(error.Message, Is.EqualTo($"Image '{_folder.Path}' is not a regular file: it is a directory."));
    }

    [Test]
    public void A_symbolic_link_loop_is_named_in_a_clear_error()
    {
        var first = _folder.Combine("a.png");
        var second = _folder.Combine("b.png");
        File.CreateSymbolicLink(first, second);
        File.CreateSymbolicLink(second, first);
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(first))!;  // before: a raw IOException
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.NotAFile));
        Assert.That(error.Message, Does.Contain(first).And.Contain("symbolic link"));
    }

    [Test]
    public void A_symbolic_link_to_an_image_is_followed_and_a_dangling_one_does_not_exist()
    {
        var image = _folder.Write("cell.png", TestImages.Png(TestImages.Tint.Red));
        var link = _folder.Combine("link.png");
        File.CreateSymbolicLink(link, image);
        using (var decoded = ImageDecoder.DecodeFile(link)) Assert.That((decoded.Width, decoded.Height), Is.EqualTo((24, 20)));

        var dangling = _folder.Combine("dangling.png");
        File.CreateSymbolicLink(dangling, _folder.Combine("gone.png"));
        Assert.Throws<FileNotFoundException>(() => ImageDecoder.DecodeFile(dangling));
    }

    [Test]
    public void An_empty_file_is_empty()
    {
        var path = _folder.Write("empty.png", []);
        Assert.That(Assert.Throws<InvalidImageException>(() => ImageDecoder.DecodeFile(path))!.Reason, Is.EqualTo(InvalidImageReason.Empty));
    }

    [Test]
    public void An_endless_stream_is_read_only_one_byte_past_the_limit()
    {
        var limits = new ImageLimits { MaxBytes = 1000 };
        var endless = new EndlessStream();
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Decode(endless, "endless", limits))!;
        Assert.That(error.Reason, Is.EqualTo(InvalidImageReason.TooLarge));
        Assert.That(endless.BytesRead, Is.EqualTo(limits.MaxBytes + 1));  // before: a whole 80 KiB chunk

        var endlessAsync = new EndlessStream();
        Assert.ThrowsAsync<InvalidImageException>(() => ImageDecoder.DecodeAsync(endlessAsync, "endless", limits));
        Assert.That(endlessAsync.BytesRead, Is.EqualTo(limits.MaxBytes + 1));
    }

    [Test]
    public void A_stream_exactly_at_the_limit_is_accepted()
    {
        var png = TestImages.Png(TestImages.Tint.Red);
        using var image = ImageDecoder.Decode(new MemoryStream(png), "exact", new ImageLimits { MaxBytes = png.Length });
        Assert.That(image.Width, Is.EqualTo(24));
    }

    /// <summary>Decodes on another thread so that a regression (a blocking open, an endless read) fails instead of hanging.</summary>
    private static InvalidImageException DecodeWithin(string path, TimeSpan patience, Action? release = null)
    {
        var decoding = Task.Run(() => ImageDecoder.DecodeFile(path));
        if (Task.WaitAny([decoding], patience) != 0)
        {
            release?.Invoke();
            Assert.Fail($"decoding '{path}' did not return within {patience}");
        }
        return Assert.Throws<InvalidImageException>(() => decoding.GetAwaiter().GetResult())!;
    }

    /// <summary>Like /dev/zero: reads never end, and the length is unknown.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            BytesRead += count;
            return count;
        }

        /// <summary>Completes synchronously: the base class would run <see cref="Read"/> on another thread.</summary>
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            buffer.Span.Clear();
            BytesRead += buffer.Length;
            return ValueTask.FromResult(buffer.Length);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
