namespace Malaria.Inference.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary file in the
/// same folder (same file system, so the final rename is atomic) and replaces the target only when complete.
/// A target that already exists keeps its Unix permissions; a new file gets the usual mode (0666 less the umask).
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes through <paramref name="write"/> into a temporary file, then renames it over <paramref name="path"/> and
    /// syncs the folder on Linux and macOS, so that the new content survives a crash.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            KeepPermissions(full, temp);
            File.Move(temp, full, overwrite: true);
            DirectorySync.TryFlush(folder);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// The rename replaces the target's inode, so without this a 0640 file someone restricted would come back as
    /// 0644. (Owner and group are not copied: only root could set them.)
    /// </summary>
    private static void KeepPermissions(string target, string temp)
    {
        if (OperatingSystem.IsWindows()) return;
        UnixFileMode mode;
        try { mode = File.GetUnixFileMode(target); }
        catch (FileNotFoundException) { return; }  // a new file: keep the default mode the temporary file was created with
        catch (DirectoryNotFoundException) { return; }
        File.SetUnixFileMode(temp, mode);
    }
}
