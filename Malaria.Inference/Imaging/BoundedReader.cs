namespace Malaria.Inference.Imaging;

/// <summary>
/// Reads a stream to its end but never more than one byte past a limit, whatever length the source claims: a
/// device or a lying stream is stopped as soon as it is known to be too long, not after buffering gigabytes.
/// </summary>
internal static class BoundedReader
{
    private const int ChunkSize = 81920;

    /// <summary>The whole content of <paramref name="stream"/>, at most <paramref name="maxBytes"/> long.</summary>
    /// <param name="stream">Read from its current position to its end.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="sourceName">Named in the error.</param>
    /// <param name="what">"the stream" or "the file", for the error message.</param>
    /// <param name="expectedLength">A hint for the first buffer size (a file's length); never trusted as the end.</param>
    /// <exception cref="InvalidImageException">More than <paramref name="maxBytes"/> bytes (reason TooLarge).</exception>
    public static ReadOnlyMemory<byte> ReadAll(Stream stream, long maxBytes, string sourceName, string what, long expectedLength = 0)
    {
        // A file that says its length is read straight into one array with a byte to spare (that byte shows a file
        // longer than it said); only then, or without a length, in chunks.
        byte[]? direct = null;
        var filled = 0;
        if (expectedLength > 0 && expectedLength <= maxBytes)
        {
            direct = new byte[expectedLength + 1];
            int count;
            while (filled < direct.Length && (count = stream.Read(direct, filled, direct.Length - filled)) > 0) filled += count;
            if (filled <= expectedLength) return new ReadOnlyMemory<byte>(direct, 0, filled);
        }
        using var buffer = NewBuffer(maxBytes, expectedLength);
        if (direct is not null) Append(buffer, direct, filled, maxBytes, sourceName, what);
        var chunk = new byte[ChunkSize];
        int read;
        while ((read = stream.Read(chunk, 0, NextCount(buffer, maxBytes))) > 0)
            Append(buffer, chunk, read, maxBytes, sourceName, what);
        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <inheritdoc cref="ReadAll"/>
    public static async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream stream, long maxBytes, string sourceName, string what, CancellationToken cancellationToken)
    {
        using var buffer = NewBuffer(maxBytes, 0);
        var chunk = new byte[ChunkSize];
        int read;
        while ((read = await stream.ReadAsync(chunk.AsMemory(0, NextCount(buffer, maxBytes)), cancellationToken).ConfigureAwait(false)) > 0)
            Append(buffer, chunk, read, maxBytes, sourceName, what);
        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static MemoryStream NewBuffer(long maxBytes, long expectedLength) =>
        new((int)Math.Min(Math.Min(expectedLength, maxBytes) + 1, Array.MaxLength));

    /// <summary>Asks for no more than one byte beyond the limit: that byte is enough to know the input is too long.</summary>
    private static int NextCount(MemoryStream buffer, long maxBytes)
    {
        var remaining = maxBytes - buffer.Length;
        return remaining >= ChunkSize ? ChunkSize : (int)remaining + 1;
    }

    private static void Append(MemoryStream buffer, byte[] chunk, int read, long maxBytes, string sourceName, string what)
    {
        if (buffer.Length + read > maxBytes)
            throw new InvalidImageException(sourceName, InvalidImageReason.TooLarge, $"{what} is longer than the limit of {maxBytes:N0} bytes.");
        buffer.Write(chunk, 0, read);
    }
}
