using System.Security.Cryptography;
using System.Text;
using Malaria.Inference.IO;

namespace Malaria.Training.MlNet;

/// <summary>
/// Backbone features stored on disk so an image goes through the backbone once: one file per featurizer
/// (backbone SHA-256 + preprocessing), entries keyed by the SHA-256 of the image file (or of its decoded pixels).
/// An edited or new image has a new key and is recomputed; a different backbone or preprocessing uses another file.
/// The file is rewritten atomically, so an interrupted run leaves the previous complete cache.
/// </summary>
public sealed class BottleneckCache
{
    private static readonly byte[] Magic = "MALBNC01"u8.ToArray();
    private readonly Dictionary<string, float[]> _entries;
    private readonly object _gate = new();

    private BottleneckCache(string path, string fingerprint, int featureCount, Dictionary<string, float[]> entries)
    {
        FilePath = path;
        Fingerprint = fingerprint;
        FeatureCount = featureCount;
        _entries = entries;
    }

    /// <summary>The cache file.</summary>
    public string FilePath { get; }

    /// <summary>SHA-256 over the backbone hash and the preprocessing description; names the file.</summary>
    public string Fingerprint { get; }

    /// <summary>Length of each stored feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>How many images have features stored.</summary>
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Entries added since the cache was opened or last saved.</summary>
    public int UnsavedCount { get; private set; }

    /// <summary>The fingerprint of a featurizer: its backbone file hash and its preprocessing.</summary>
    public static string FingerprintOf(string backboneSha256, string preprocessing) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{backboneSha256}\n{preprocessing}")));

    /// <summary>Opens (or starts) the cache for <paramref name="fingerprint"/> in <paramref name="workspace"/>.</summary>
    public static BottleneckCache Open(string workspace, string fingerprint, int featureCount)
    {
        Directory.CreateDirectory(workspace);
        var path = Path.Combine(workspace, $"bottleneck-{fingerprint[..16]}.bin");
        var entries = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (File.Exists(path)) Read(path, fingerprint, featureCount, entries);
        return new BottleneckCache(path, fingerprint, featureCount, entries);
    }

    /// <summary>The key of an image file: SHA-256 of its bytes.</summary>
    public static string KeyOfFile(string imagePath)
    {
        if (!File.Exists(imagePath)) throw new FileNotFoundException($"Image '{imagePath}' does not exist.", imagePath);
        using var stream = File.OpenRead(imagePath);
        return "file:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The key of a decoded image: SHA-256 of its size and pixels (used when no file path is known).</summary>
    public static string KeyOfPixels(int width, int height, ReadOnlySpan<byte> pixels)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> size = stackalloc byte[8];
        BitConverter.TryWriteBytes(size, width);
        BitConverter.TryWriteBytes(size[4..], height);
        hash.AppendData(size);
        hash.AppendData(pixels);
        return "pixels:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Looks up the features of an image key.</summary>
    public bool TryGet(string key, out float[] features)
    {
        lock (_gate) return _entries.TryGetValue(key, out features!);
    }

    /// <summary>Stores features (thread-safe); call <see cref="Save"/> to persist.</summary>
    public void Add(string key, float[] features)
    {
        if (features.Length != FeatureCount)
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        lock (_gate)
        {
            _entries[key] = features;
            UnsavedCount++;
        }
    }

    /// <summary>Writes every entry to the cache file atomically (no-op when nothing changed).</summary>
    public void Save()
    {
        KeyValuePair<string, float[]>[] snapshot;
        lock (_gate)
        {
            if (UnsavedCount == 0 && File.Exists(FilePath)) return;
            snapshot = [.. _entries];
            UnsavedCount = 0;
        }
        AtomicFile.Write(FilePath, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Fingerprint);
            writer.Write(FeatureCount);
            writer.Write(snapshot.Length);
            var bytes = new byte[FeatureCount * sizeof(float)];
            foreach (var (key, features) in snapshot)
            {
                writer.Write(key);
                Buffer.BlockCopy(features, 0, bytes, 0, bytes.Length);
                writer.Write(bytes);
            }
        });
    }

    private static void Read(string path, string fingerprint, int featureCount, Dictionary<string, float[]> entries)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException("not a bottleneck cache file");
            var storedFingerprint = reader.ReadString();
            var storedCount = reader.ReadInt32();
            if (storedFingerprint != fingerprint || storedCount != featureCount)
                throw new InvalidDataException($"it belongs to featurizer {storedFingerprint[..Math.Min(16, storedFingerprint.Length)]} with {storedCount} features");
            var count = reader.ReadInt32();
            var bytes = new byte[featureCount * sizeof(float)];
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadString();
                if (reader.Read(bytes, 0, bytes.Length) != bytes.Length) throw new EndOfStreamException();
                var features = new float[featureCount];
                Buffer.BlockCopy(bytes, 0, features, 0, bytes.Length);
                entries[key] = features;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"Bottleneck cache '{path}' is unreadable ({ex.Message}); delete it to rebuild.", ex);
        }
    }
}
