using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using Malaria.Inference.IO;

namespace Malaria.Training.Torch.Native;

/// <summary>
/// Makes TorchSharp's native library load on Linux distributions whose libstdc++ is older than the one it was linked
/// against (Debian 12, Ubuntu 22.04), and tunes glibc malloc for LibTorch. Registered by a module initializer, so
/// <c>dotnet run</c>, <c>dotnet test</c> and any host of this assembly get it before their first torch call; it does
/// nothing elsewhere.
/// </summary>
/// <remarks>
/// <para>libLibTorchSharp.so 0.107 lists <c>GLIBCXX_3.4.32</c> (GCC 13) among its libstdc++ requirements, yet binds no
/// symbol of that version: it is a marker left by the linker. glibc refuses to load a library whose required version
/// is missing unless the requirement is flagged weak. So, when the system libstdc++ lacks that version (and lacks no
/// other that the library asks for), a copy of the library is written to a per-user cache folder with that single
/// requirement flagged weak, and TorchSharp is pointed at the copy. The NuGet cache and build output stay untouched.</para>
/// <para>LibTorch allocates and frees large tensor buffers every step. glibc's default serves those with
/// mmap/munmap and fresh page faults each time; raising the mmap and trim thresholds keeps them in the heap (about
/// twice the training speed measured here).</para>
/// </remarks>
internal static class TorchNativeRuntime
{
    private const string LibraryName = "LibTorchSharp";
    private const string LibraryFile = "libLibTorchSharp.so";
    private const string MarkerVersion = "GLIBCXX_3.4.32";
    private const string StdCxx = "libstdc++.so.6";

    private static readonly Lock Gate = new();
    private static bool registered;
    private static IntPtr patchedHandle;
    private static string? status;

    /// <summary>What the loader decided, for <c>--verbose</c> output and tests: "not needed", the patched copy's path, or why not.</summary>
    public static string Status => status ?? "not yet loaded";

    /// <summary>Path of the patched copy in use, or null when the original library loads as is.</summary>
    public static string? PatchedLibraryPath { get; private set; }

#pragma warning disable CA2255 // A module initializer is the only hook that runs before a test or a command touches TorchSharp.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        lock (Gate)
        {
            if (registered) return;
            registered = true;
        }
        if (!OperatingSystem.IsLinux()) return;
        TuneMalloc();
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) => IsTorchSharpNative(name) ? LoadPatched() : IntPtr.Zero;
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => HookTorchSharp(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) HookTorchSharp(assembly);
    }

    /// <summary>Called before the first torch use; makes sure the native library is (or can be) loaded and reports a clear error otherwise.</summary>
    public static void EnsureLoaded()
    {
        Register();
        try
        {
            // Any tensor operation forces TorchSharp's native initialisation.
            using var probe = TorchSharp.torch.zeros(1);
        }
        catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException($"TorchSharp's native library could not be loaded ({Status}): {ex.GetBaseException().Message}");
        }
    }

    private static void HookTorchSharp(Assembly assembly)
    {
        if (assembly.GetName().Name != "TorchSharp") return;
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => IsTorchSharpNative(name) ? LoadPatched() : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Someone else set a resolver already; the ResolvingUnmanagedDll fallback still applies.
        }
    }

    private static bool IsTorchSharpNative(string name) =>
        name.Equals(LibraryName, StringComparison.Ordinal) || name.EndsWith(LibraryFile, StringComparison.Ordinal);

    /// <summary>The handle of the patched copy, or zero to let the runtime load the original library normally.</summary>
    private static IntPtr LoadPatched()
    {
        lock (Gate)
        {
            if (patchedHandle != IntPtr.Zero || status is not null) return patchedHandle;
            try
            {
                patchedHandle = LoadPatchedCore();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or DllNotFoundException or BadImageFormatException)
            {
                status = $"could not prepare a patched {LibraryFile}: {ex.Message}";
            }
            return patchedHandle;
        }
    }

    private static IntPtr LoadPatchedCore()
    {
        var systemStdCxx = LoadedLibraryPath(StdCxx);
        if (systemStdCxx is null) { status = $"{StdCxx} not found; loading the original"; return IntPtr.Zero; }
        var stdCxxBytes = File.ReadAllBytes(systemStdCxx);
        if (ElfVersionNeedPatcher.ContainsVersionName(stdCxxBytes, MarkerVersion)) { status = "not needed"; return IntPtr.Zero; }

        var original = FindOriginal();
        if (original is null) { status = $"{LibraryFile} not found beside the application"; return IntPtr.Zero; }
        var bytes = File.ReadAllBytes(original);
        var (patched, reason) = PatchFor(bytes, stdCxxBytes);
        if (patched is null) { status = $"{reason} ({original}, {systemStdCxx})"; return IntPtr.Zero; }
        bytes = patched;

        var copy = Path.Combine(CacheFolder(original, bytes), LibraryFile);
        if (!File.Exists(copy) || new FileInfo(copy).Length != bytes.Length) AtomicFile.WriteAllBytes(copy, bytes);

        // The copy's RUNPATH ($ORIGIN) no longer leads to libtorch; load its dependencies from the original folder
        // first, so the dynamic loader finds them already loaded by soname.
        var folder = Path.GetDirectoryName(original)!;
        foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(folder, dependency);
            if (File.Exists(path)) NativeLibrary.Load(path);
        }
        var handle = NativeLibrary.Load(copy);
        PatchedLibraryPath = copy;
        status = $"using {copy} ({MarkerVersion} marked weak; {systemStdCxx} lacks it)";
        return handle;
    }

    /// <summary>
    /// The patched library for a system libstdc++ (both as file bytes), or null and why not: null when libstdc++ already
    /// has <c>GLIBCXX_3.4.32</c>, or lacks other versions too (those could be real symbols, so nothing is weakened).
    /// </summary>
    internal static (byte[]? Patched, string Reason) PatchFor(byte[] torchSharpNative, byte[] stdCxx)
    {
        if (ElfVersionNeedPatcher.ContainsVersionName(stdCxx, MarkerVersion)) return (null, "not needed");
        var copy = (byte[])torchSharpNative.Clone();
        var missing = new List<string>();
        var weakened = ElfVersionNeedPatcher.MarkWeak(copy, StdCxx, version =>
        {
            if (ElfVersionNeedPatcher.ContainsVersionName(stdCxx, version)) return false;
            missing.Add(version);
            return version == MarkerVersion;
        });
        if (missing.Any(v => v != MarkerVersion))
            return (null, $"libstdc++ lacks {string.Join(", ", missing)}; only {MarkerVersion} is known to be a harmless marker, so nothing was patched. Install a newer libstdc++ (GCC 13 or later)");
        if (weakened.Count == 0) return (null, $"{LibraryFile} does not require {MarkerVersion}");
        return (copy, $"{MarkerVersion} marked weak");
    }

    /// <summary>Where the process's own libstdc++ lives: load it by soname and read the mapping from /proc/self/maps.</summary>
    private static string? LoadedLibraryPath(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out _)) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..];
            if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal)) return path;
        }
        return null;
    }

    /// <summary>The TorchSharp native library the runtime would load: the app's native search folders, then its own folder tree.</summary>
    private static string? FindOriginal()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var baseDir = AppContext.BaseDirectory;
        folders.Add(Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
        folders.Add(Path.Combine(baseDir, "runtimes", "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native"));
        folders.Add(baseDir);
        var typeLocation = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(typeLocation)) folders.Add(typeLocation);
        foreach (var folder in folders)
        {
            var candidate = Path.Combine(folder, LibraryFile);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    /// <summary>A per-user folder named after the original's content, so a TorchSharp upgrade gets a fresh copy.</summary>
    private static string CacheFolder(string original, byte[] bytes)
    {
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
        }
        return Path.Combine(root, "malaria-classifier", "torchsharp-native", hash);
    }

    private static void TuneMalloc()
    {
        // M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3; 32 MiB is glibc's largest mmap threshold on 64-bit.
        try
        {
            Mallopt(-3, 32 * 1024 * 1024);
            Mallopt(-1, 512 * 1024 * 1024);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl): nothing to tune.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
