using System.Runtime.InteropServices;

namespace Malaria.Inference.IO;

/// <summary>
/// The few C library calls .NET has no API for: the type of a file (a device or FIFO is "a file" to
/// <see cref="FileInfo"/>) and fsync on a directory (<see cref="FileStream"/> cannot open one). Callers check the
/// operating system first; the signatures and constants are those of Linux and macOS.
/// </summary>
internal static partial class LibC
{
    /// <summary>Relative paths in <see cref="StatX"/> are taken from the current directory.</summary>
    public const int AtCurrentDirectory = -100;

    /// <summary>The <c>stx_mode</c> type bits are wanted.</summary>
    public const uint StatXType = 0x1;

    /// <summary>Size of <c>struct statx</c>, the same on every Linux architecture (it is part of the kernel ABI).</summary>
    public const int StatXSize = 256;

    /// <summary>Byte offset of <c>stx_mask</c> (a 32-bit field) and <c>stx_mode</c> (16 bits) in <c>struct statx</c>.</summary>
    public const int StatXMaskOffset = 0, StatXModeOffset = 28;

    public const int ErrorNoSuchEntry = 2, ErrorNotDirectory = 20, ErrorTooManyLinks = 40;

    /// <summary>Linux statx(2) (glibc 2.28 and later): unlike stat(2), its struct has one layout on every architecture.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int StatX(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>O_RDONLY | O_CLOEXEC (the descriptor is not inherited by a process started meanwhile).</summary>
    public static int OpenReadOnlyCloseOnExec => OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;
}
