namespace Malaria.Inference.IO;

/// <summary>What a path names on disk, after following symbolic links.</summary>
internal enum FileKind
{
    /// <summary>Nothing at that path (or a symbolic link to nothing).</summary>
    Missing,

    /// <summary>A regular file: the only kind an image is read from.</summary>
    RegularFile,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link that cannot be followed to its end (a loop, or too many levels).</summary>
    UnresolvableLink,

    /// <summary>A character device such as <c>/dev/zero</c>: reading may never end.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A named pipe: opening it blocks until a writer appears.</summary>
    Fifo,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Exists and is not a directory, but the platform does not say which kind (outside Linux).</summary>
    Unknown,
}
