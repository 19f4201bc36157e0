namespace Malaria.Inference.IO;

/// <summary>
/// Flushes a directory's entries to disk. A rename is durable only once the directory that holds it is synced: after
/// a power cut the file system may otherwise show the old file again, or no file. .NET has no API for this (a
/// <see cref="FileStream"/> cannot open a directory), hence open + fsync + close from the C library.
/// </summary>
internal static class DirectorySync
{
    /// <summary>
    /// Syncs <paramref name="folder"/> on Linux and macOS; returns false where that is not possible or failed. A failure
    /// is not an error: the rename has happened and is visible; only its durability across a crash is weaker, and some
    /// file systems (network mounts) refuse fsync on a directory.
    /// </summary>
    public static bool TryFlush(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;  // NTFS renames are journaled
        try
        {
            var fd = LibC.Open(folder, LibC.OpenReadOnlyCloseOnExec);
            if (fd < 0) return false;
            var synced = LibC.FSync(fd) == 0;
            LibC.Close(fd);
            return synced;
        }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
