using System.Security.Cryptography;

namespace Malaria.Training.Data;

/// <summary>The content hash that model cards record for the split and backbone files, and that compare matches runs by.</summary>
public static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of the file's bytes, streamed (backbones are tens of megabytes).</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
