using System.IO.Compression;
using System.Security.Cryptography;

namespace Malaria.Training.Data;

/// <summary>
/// Fetches a zipped image tree and extracts it so that nothing half-written is ever left behind: the download goes to a
/// temporary file beside the destination, is checked (size against Content-Length, optional SHA-256, zip integrity),
/// extracted into a temporary folder, and only then renamed into place. Any failure or cancellation removes the
/// temporary files and leaves the destination as it was.
/// </summary>
public sealed class DatasetDownloader(HttpClient http)
{
    /// <summary>The public NIH archive (27,558 cells, about 337 MB), as given in the data README.</summary>
    public const string NihUrl = "https://data.lhncbc.nlm.nih.gov/public/Malaria/cell_images.zip";

    /// <summary>Reports bytes received and the expected total (null when the server does not say).</summary>
    public IProgress<(long Received, long? Total)>? Progress { get; init; }

    /// <summary>
    /// Downloads <paramref name="url"/> and extracts it under <paramref name="outputFolder"/>. Returns the folders the
    /// archive added there (its top-level entries). Throws <see cref="CommandLineException"/> on any bad download.
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
                throw new CommandLineException($"Download from {url} has SHA-256 {sha256}, expected {expectedSha256.Trim()}; the file is corrupt or not the expected one.");
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
        try { response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException ex) { throw new CommandLineException($"Could not reach {url}: {ex.Message}", ex); }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new CommandLineException($"Download from {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            var total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            try
            {
                await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var target = new FileStream(archive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    hash.AppendData(buffer, 0, read);
                    received += read;
                    Progress?.Report((received, total));
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new CommandLineException($"Download from {url} broke off after {received:N0}{(total is { } t ? $" of {t:N0}" : "")} bytes: {ex.Message}", ex);
            }
            if (total is { } expected && received != expected)
                throw new CommandLineException($"Download from {url} is incomplete: {received:N0} of {expected:N0} bytes.");
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
    }

    private static void Extract(string archive, string staging, Uri url, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var root = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
        try
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var destination = Path.GetFullPath(Path.Combine(staging, entry.FullName));
                // Refuse entries that would land outside the staging folder ("zip slip").
                if (!destination.StartsWith(root, StringComparison.Ordinal))
                    throw new CommandLineException($"Archive from {url} has an entry outside its folder: '{entry.FullName}'.");
                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                entry.ExtractToFile(destination, overwrite: true);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new CommandLineException($"Archive from {url} is not a valid zip or is corrupt: {ex.Message}", ex);
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw new CommandLineException($"Archive from {url} could not be extracted: {ex.Message}", ex);
        }
    }

    private static IReadOnlyList<string> MoveIntoPlace(string staging, string outputFolder)
    {
        var entries = Directory.EnumerateFileSystemEntries(staging)
            .Where(e => !Path.GetFileName(e).Equals("__MACOSX", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (entries.Count == 0) throw new CommandLineException("The archive is empty.");
        var clashes = entries.Select(e => Path.Combine(outputFolder, Path.GetFileName(e))).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        if (clashes.Count > 0)
            throw new CommandLineException($"'{clashes[0]}' already exists; remove it or choose another --out folder.");
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
