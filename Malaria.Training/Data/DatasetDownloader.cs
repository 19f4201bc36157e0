using System.IO.Compression;
using System.Security.Cryptography;

namespace Malaria.Training.Data;

/// <summary>
/// Fetches a zipped image tree and extracts it so that nothing half-written is ever left behind: the download goes to a
/// temporary file beside the destination, is checked (size against Content-Length, optional SHA-256, zip integrity),
/// extracted into a temporary folder, and only then renamed into place. Any failure or cancellation removes the
/// temporary files and leaves the destination as it was. A server that stops sending, an archive that extracts to
/// more than <see cref="MaxExtractedBytes"/>, and executable bits on extracted files are dealt with too: the archive
/// comes from the network, so it is not trusted.
/// </summary>
public sealed class DatasetDownloader(HttpClient http)
{
    /// <summary>The public NIH archive (27,558 cells, about 337 MB), as given in the data README.</summary>
    public const string NihUrl = "https://data.lhncbc.nlm.nih.gov/public/Malaria/cell_images.zip";

    /// <summary>
    /// Default <see cref="MaxExtractedBytes"/>: 4 GiB, about ten times what the NIH archive extracts to, yet far below
    /// what a zip bomb of the same download size would write.
    /// </summary>
    public const long DefaultMaxExtractedBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>Reports bytes received and the expected total (null when the server does not say).</summary>
    public IProgress<(long Received, long? Total)>? Progress { get; init; }

    /// <summary>
    /// Most bytes the archive may extract to, counted while writing (the sizes a zip declares can lie). Default:
    /// <see cref="DefaultMaxExtractedBytes"/>.
    /// </summary>
    public long MaxExtractedBytes { get; init; } = DefaultMaxExtractedBytes;

    /// <summary>
    /// Longest wait for the response headers and then for each piece of the body; the download fails when the server
    /// stays silent longer. Default: 60 seconds. The whole download has no time limit: a slow link that keeps sending is fine.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An <see cref="HttpClient"/> for downloads: a connection attempt gives up after <paramref name="connectTimeout"/>
    /// (default 30 seconds) instead of the operating system's minutes, and there is no overall timeout, since a large
    /// archive on a slow link takes long; <see cref="StallTimeout"/> catches a server that stops sending.
    /// </summary>
    public static HttpClient CreateHttpClient(TimeSpan? connectTimeout = null) =>
        new(new SocketsHttpHandler { ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// Downloads <paramref name="url"/> and extracts it under <paramref name="outputFolder"/>. Returns the folders the
    /// archive added there (its top-level entries). Throws <see cref="HttpRequestException"/> or <see cref="TimeoutException"/> when the server cannot be reached or stalls, <see cref="IOException"/> when the transfer breaks off or the target exists, and <see cref="InvalidDataException"/> when the archive is not the expected one.
    /// </summary>
    public async Task<IReadOnlyList<string>> DownloadAndExtractAsync(Uri url, string outputFolder, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        outputFolder = Path.GetFullPath(outputFolder);
        Directory.CreateDirectory(outputFolder);
        var id = Guid.NewGuid().ToString("N")[..8];
        var archive = Path.Combine(outputFolder, $".download-{id}.zip.part");
        var staging = Path.Combine(outputFolder, $".extract-{id}");
        try
        {
            var sha256 = await DownloadAsync(url, archive, cancellationToken).ConfigureAwait(false);
            if (expectedSha256 is not null && !string.Equals(sha256, expectedSha256.Trim(), StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"Download from {url} has SHA-256 {sha256}, expected {expectedSha256.Trim()}; the file is corrupt or not the expected one.");
            Extract(archive, staging, url, cancellationToken);
            return MoveIntoPlace(staging, outputFolder);
        }
        finally
        {
            if (File.Exists(archive)) File.Delete(archive);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private async Task<string> DownloadAsync(Uri url, string archive, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using (var headers = Deadline(cancellationToken))
        {
            try { response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false); }
            catch (HttpRequestException ex) { throw new HttpRequestException($"Could not reach {url}: {ex.Message}", ex); }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The stall deadline, or the handler's connect timeout (which also surfaces as a cancellation).
                var what = headers.IsCancellationRequested ? $"no response within {Seconds(StallTimeout)}" : "the connection timed out";
                throw new TimeoutException($"Could not reach {url}: {what}.", ex);
            }
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"Download from {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
            var total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            try
            {
                await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var target = new FileStream(archive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                while (true)
                {
                    int read;
                    using (var piece = Deadline(cancellationToken))
                    {
                        try { read = await source.ReadAsync(buffer, piece.Token).ConfigureAwait(false); }
                        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            throw new TimeoutException(
                                $"Download from {url} stalled: no data for {Seconds(StallTimeout)} after {received:N0}{(total is { } t ? $" of {t:N0}" : "")} bytes.", ex);
                        }
                    }
                    if (read == 0) break;
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    hash.AppendData(buffer, 0, read);
                    received += read;
                    Progress?.Report((received, total));
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new IOException($"Download from {url} broke off after {received:N0}{(total is { } t ? $" of {t:N0}" : "")} bytes: {ex.Message}", ex);
            }
            if (total is { } expected && received != expected)
                throw new IOException($"Download from {url} is incomplete: {received:N0} of {expected:N0} bytes.");
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
    }

    /// <summary>Cancelled by the caller, or when <see cref="StallTimeout"/> passes.</summary>
    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StallTimeout);
        return deadline;
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";

    private void Extract(string archive, string staging, Uri url, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var root = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
        long extracted = 0;
        try
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var destination = Path.GetFullPath(Path.Combine(staging, entry.FullName));
                // Refuse entries that would land outside the staging folder ("zip slip").
                if (!destination.StartsWith(root, StringComparison.Ordinal))
                    throw new InvalidDataException($"Archive from {url} has an entry outside its folder: '{entry.FullName}'.");
                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                extracted = ExtractEntry(entry, destination, extracted, url, cancellationToken);
            }
        }
        // The archive's own faults; this method's refusals (entries outside the folder, too many bytes) already say so.
        catch (InvalidDataException ex) when (!ex.Message.StartsWith($"Archive from {url}", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Archive from {url} is not a valid zip or is corrupt: {ex.Message}", ex);
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw new IOException($"Archive from {url} could not be extracted: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Copies one entry, counting the bytes actually written against <see cref="MaxExtractedBytes"/>. The file is
    /// created rw-r--r-- (less the umask) whatever mode the archive records: images are data, never programs.
    /// Returns the running total.
    /// </summary>
    private long ExtractEntry(ZipArchiveEntry entry, string destination, long extracted, Uri url, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using var source = entry.Open();
        using var target = new FileStream(destination, options);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            extracted += read;
            if (extracted > MaxExtractedBytes)
                throw new InvalidDataException(
                    $"Archive from {url} extracts to more than {MaxExtractedBytes:N0} bytes (at '{entry.FullName}'); it is not the expected data set or is a zip bomb.");
            target.Write(buffer, 0, read);
        }
        return extracted;
    }

    private static IReadOnlyList<string> MoveIntoPlace(string staging, string outputFolder)
    {
        var entries = Directory.EnumerateFileSystemEntries(staging)
            .Where(e => !Path.GetFileName(e).Equals("__MACOSX", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (entries.Count == 0) throw new InvalidDataException("The archive is empty.");
        var clashes = entries.Select(e => Path.Combine(outputFolder, Path.GetFileName(e))).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        if (clashes.Count > 0)
            throw new IOException($"'{clashes[0]}' already exists; remove it or choose another --out folder.");
        var moved = new List<string>();
        foreach (var entry in entries)
        {
            var target = Path.Combine(outputFolder, Path.GetFileName(entry));
            if (Directory.Exists(entry)) Directory.Move(entry, target); else File.Move(entry, target);
            moved.Add(target);
        }
        return moved;
    }
}
