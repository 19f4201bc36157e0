using Malaria.Inference.IO;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Reads an image file's bytes, from regular files only: a directory, device, FIFO or socket is refused from its
/// type before it is opened (opening a FIFO blocks; <c>/dev/zero</c> never ends), and no more than one byte past
/// <see cref="ImageLimits.MaxBytes"/> is ever read, even when the file grows or its length is wrong.
/// </summary>
internal static class ImageFileReader
{
    /// <summary>The file's bytes, after checking that <paramref name="path"/> names a regular file.</summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidImageException">Not a regular file, empty or too large.</exception>
    public static ReadOnlyMemory<byte> ReadAllBytes(string path, ImageLimits limits)
    {
        var kind = FileKinds.Of(path);
        switch (kind)
        {
            case FileKind.Missing:
                throw new FileNotFoundException($"Image '{path}' does not exist.", path);
            case FileKind.Directory:
                throw new InvalidImageException(path, InvalidImageReason.NotAFile, "it is a directory.");
            case FileKind.UnresolvableLink:
                throw new InvalidImageException(path, InvalidImageReason.NotAFile, "it is a symbolic link that cannot be followed (a loop, or too many levels of links).");
            case FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Fifo or FileKind.Socket:
                throw new InvalidImageException(path, InvalidImageReason.NotAFile, $"it is a {Describe(kind)}; images are read from regular files only.");
        }

        var length = new FileInfo(path).Length;
        if (length > limits.MaxBytes)
            throw new InvalidImageException(path, InvalidImageReason.TooLarge, $"{length:N0} bytes exceeds the limit of {limits.MaxBytes:N0} bytes.");
        // Not opened at all: where the type is unknown (outside Linux), devices and FIFOs are among the 0-byte files.
        if (length == 0) throw new InvalidImageException(path, InvalidImageReason.Empty, "0 bytes.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return BoundedReader.ReadAll(stream, limits.MaxBytes, path, "the file", expectedLength: length);
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Fifo => "FIFO (named pipe)",
        _ => "socket",
    };
}
