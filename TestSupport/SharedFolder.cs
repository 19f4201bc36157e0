namespace Malaria.TestSupport;

/// <summary>
/// Finds <c>shared/</c> (the data beside the repository) for test projects that do not reference the trainer (which
/// has the same lookup, <c>Malaria.Training.Data.SharedPaths</c>): <c>MALARIA_SHARED</c> if set, else the first
/// <c>shared/</c> folder with <c>datasets/</c> beside the working folder, the test binaries or any of their parents.
/// Linked into each test project that needs it (one copy in the repository).
/// </summary>
internal static class SharedFolder
{
    /// <summary>The shared folder, or null when there is none.</summary>
    public static string? Root
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("MALARIA_SHARED");
            if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (Directory.Exists(Path.Combine(dir.FullName, "shared", "datasets"))) return Path.Combine(dir.FullName, "shared");
            return null;
        }
    }

    /// <summary>Where the NIH images are or would be: <c>datasets/malaria/cell_images</c> under the shared folder.</summary>
    public static string MalariaImagesPath => Path.Combine(Root ?? Path.GetFullPath("../shared"), "datasets", "malaria", "cell_images");
}
