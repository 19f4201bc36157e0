using System.IO.Compression;
using System.Security.Cryptography;
using Malaria.Training.Data;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Data;

public class DatasetDownloaderTests
{
    private static byte[] SmallCellZip()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(bytes);
            }
            Add("cell_images/Parasitized/C1P1_cell_1.png", TestImages.Png(TestImages.Tint.Red, seed: 1));
            Add("cell_images/Parasitized/C1P1_cell_2.png", TestImages.Png(TestImages.Tint.Red, seed: 2));
            Add("cell_images/Uninfected/C2N_cell_1.png", TestImages.Png(TestImages.Tint.Red, seed: 3));
        }
        return memory.ToArray();
    }

    private static string[] Contents(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(folder, p)).Order().ToArray();

    [Test]
    public async Task DownloadsVerifiesAndExtractsAGoodArchive()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var zip = SmallCellZip();
        var url = server.Serve("cell_images.zip", zip);
        var reports = new List<(long, long?)>();
        using var http = new HttpClient();
        var downloader = new DatasetDownloader(http) { Progress = new SyncProgress(reports.Add) };

        var added = await downloader.DownloadAndExtractAsync(url, output.Path, Convert.ToHexStringLower(SHA256.HashData(zip)));

        Assert.That(added, Is.EqualTo(new[] { output.Combine("cell_images") }));
        Assert.That(Contents(output.Path), Is.EqualTo(new[]
        {
            "cell_images", "cell_images/Parasitized", "cell_images/Parasitized/C1P1_cell_1.png",
            "cell_images/Parasitized/C1P1_cell_2.png", "cell_images/Uninfected", "cell_images/Uninfected/C2N_cell_1.png",
        }));
        Assert.That(reports[^1], Is.EqualTo(((long)zip.Length, (long?)zip.Length)));
        Assert.That(ImageFolderDataset.Load(output.Combine("cell_images")).Images, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task AConnectionThatDropsMidBodyLeavesNothingBehind()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var zip = SmallCellZip();
        var url = server.Serve("cut.zip", zip[..(zip.Length / 2)], declaredLength: zip.Length);
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<IOException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Does.Contain(url.ToString()).And.Match("broke off|incomplete"));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test]
    public async Task ATruncatedArchiveServedWholeIsRejectedAndNothingIsLeft()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var zip = SmallCellZip();
        var url = server.Serve("truncated.zip", zip[..(zip.Length - 30)]);
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Does.Contain("not a valid zip or is corrupt"));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test]
    public async Task ACorruptArchiveIsRejectedAndNothingIsLeft()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var zip = SmallCellZip();
        // Damage the compressed data of the first entry but keep the directory intact: extraction itself must fail.
        for (var i = 60; i < 90; i++) zip[i] ^= 0x5A;
        var url = server.Serve("corrupt.zip", zip);
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Does.Contain(url.ToString()));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test]
    public async Task AChecksumMismatchIsRejected()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var url = server.Serve("cell_images.zip", SmallCellZip());
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path, new string('0', 64)));

        Assert.That(ex!.Message, Does.Contain("SHA-256"));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test]
    public async Task AnHttpErrorAndAnExistingTargetAreClearErrors()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        using var http = new HttpClient();
        var missing = await Assert.ThrowsAsync<HttpRequestException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(new Uri(server.BaseUri, "nope.zip"), output.Path));
        Assert.That(missing!.Message, Does.Contain("HTTP 404"));

        Directory.CreateDirectory(output.Combine("cell_images"));
        var url = server.Serve("cell_images.zip", SmallCellZip());
        var exists = await Assert.ThrowsAsync<IOException>(() => new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path));
        Assert.That(exists!.Message, Does.Contain("already exists"));
        Assert.That(Contents(output.Path), Is.EqualTo(new[] { "cell_images" }));
    }

    [Test]
    public async Task AnArchiveExtractingToMoreThanTheLimitIsRejectedAndNothingIsLeft()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var url = server.Serve("cell_images.zip", SmallCellZip());  // three PNGs of over 1,000 bytes each
        using var http = new HttpClient();
        var downloader = new DatasetDownloader(http) { MaxExtractedBytes = 2_000 };

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => downloader.DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Does.Contain(url.ToString()).And.Contain("more than 2,000 bytes"));
        Assert.That(Contents(output.Path), Is.Empty);
        Assert.That(DatasetDownloader.DefaultMaxExtractedBytes, Is.GreaterThan(350L * 1000 * 1000), "room for the NIH archive");
    }

    [Test]
    public async Task AServerThatNeverAnswersIsAClearErrorAfterTheStallTimeout()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var url = server.Serve("cell_images.zip", SmallCellZip(), stallAfterBytes: 0);
        using var http = DatasetDownloader.CreateHttpClient(connectTimeout: TimeSpan.FromSeconds(5));
        var downloader = new DatasetDownloader(http) { StallTimeout = TimeSpan.FromMilliseconds(500) };

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => downloader.DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Is.EqualTo($"Could not reach {url}: no response within 0.5 s."));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test]
    public async Task AServerThatStopsSendingMidBodyIsAClearErrorAndNothingIsLeft()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        var zip = SmallCellZip();
        var url = server.Serve("cell_images.zip", zip, stallAfterBytes: 100);
        using var http = DatasetDownloader.CreateHttpClient();
        var downloader = new DatasetDownloader(http) { StallTimeout = TimeSpan.FromMilliseconds(500) };

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => downloader.DownloadAndExtractAsync(url, output.Path));

        Assert.That(ex!.Message, Does.StartWith($"Download from {url} stalled: no data for 0.5 s after 100 of {zip.Length:N0} bytes"));
        Assert.That(Contents(output.Path), Is.Empty);
    }

    [Test, Platform(Exclude = "Win"), System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ExtractedFilesNeverKeepExecutableBits()
    {
        using var server = new LoopbackFileServer();
        using var output = new TempFolder();
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry("cell_images/Parasitized/C1P1_cell_1.png");
            entry.ExternalAttributes = Convert.ToInt32("100755", 8) << 16;  // a regular file, rwxr-xr-x, as zip records it
            using var s = entry.Open();
            s.Write(TestImages.Png(TestImages.Tint.Red));
        }
        var url = server.Serve("cell_images.zip", memory.ToArray());
        using var http = new HttpClient();

        await new DatasetDownloader(http).DownloadAndExtractAsync(url, output.Path);

        var mode = File.GetUnixFileMode(output.Combine("cell_images", "Parasitized", "C1P1_cell_1.png"));
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Assert.That(mode & anyExecute, Is.EqualTo((UnixFileMode)0), $"mode {mode}");
        Assert.That(mode.HasFlag(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, so the last report could arrive late).</summary>
    private sealed class SyncProgress(Action<(long, long?)> report) : IProgress<(long Received, long? Total)>
    {
        public void Report((long Received, long? Total) value) => report(value);
    }
}
