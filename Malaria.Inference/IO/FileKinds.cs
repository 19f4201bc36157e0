namespace Malaria.Inference.IO;

/// <summary>
/// Tells which <see cref="FileKind"/> a path is without opening it: opening a FIFO blocks until a writer appears, and
/// .NET reports devices, FIFOs and sockets as ordinary files (<see cref="FileAttributes.Normal"/>, length 0).
/// </summary>
internal static class FileKinds
{
    private static bool _statXMissing;

    /// <summary>The kind of what <paramref name="path"/> names, following symbolic links.</summary>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux() && !Volatile.Read(ref _statXMissing))
        {
            try { return OfLinux(path); }
            catch (EntryPointNotFoundException) { Volatile.Write(ref _statXMissing, true); }  // glibc older than 2.28, or no glibc
            catch (DllNotFoundException) { Volatile.Write(ref _statXMissing, true); }
        }
        return OfAnyPlatform(path);
    }

    private static unsafe FileKind OfLinux(string path)
    {
        var buffer = stackalloc byte[LibC.StatXSize];
        if (LibC.StatX(LibC.AtCurrentDirectory, path, 0, LibC.StatXType, buffer) != 0)
        {
            return System.Runtime.InteropServices.Marshal.GetLastPInvokeError() switch
            {
                LibC.ErrorNoSuchEntry or LibC.ErrorNotDirectory => FileKind.Missing,
                LibC.ErrorTooManyLinks => FileKind.UnresolvableLink,
                _ => OfAnyPlatform(path),  // e.g. no permission on a parent folder: let .NET report it on opening
            };
        }
        if ((*(uint*)(buffer + LibC.StatXMaskOffset) & LibC.StatXType) == 0) return OfAnyPlatform(path);
        return (*(ushort*)(buffer + LibC.StatXModeOffset) & 0xF000) switch
        {
            0x8000 => FileKind.RegularFile,
            0x4000 => FileKind.Directory,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    private static FileKind OfAnyPlatform(string path)
    {
        if (Directory.Exists(path)) return FileKind.Directory;
        var info = new FileInfo(path);
        if (!info.Exists) return FileKind.Missing;
        if (info.LinkTarget is null) return OperatingSystem.IsWindows() ? FileKind.RegularFile : FileKind.Unknown;
        try
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists) return FileKind.Missing;  // a link to a directory was caught above
        }
        catch (IOException) { return FileKind.UnresolvableLink; }
        return OperatingSystem.IsWindows() ? FileKind.RegularFile : FileKind.Unknown;
    }
}
