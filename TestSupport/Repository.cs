namespace Malaria.TestSupport;

/// <summary>The repository's root folder, found from the test binaries.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Malaria.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Malaria.sln not found above " + AppContext.BaseDirectory);
    }
}
