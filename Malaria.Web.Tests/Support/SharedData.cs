namespace Malaria.Web.Tests.Support;

/// <summary>
/// The NIH cell images beside the repository (<c>../shared</c>, or <c>MALARIA_SHARED</c>); tests that need them are
/// Ignored with the reason when they are absent. The images are read in place, never copied into the repository.
/// </summary>
internal static class SharedData
{
    public static string CellImages
    {
        get
        {
            var path = Malaria.TestSupport.SharedFolder.MalariaImagesPath;
            if (!Directory.Exists(path)) Assert.Ignore($"Needs the NIH cell images at '{path}' (../shared beside the repository, or MALARIA_SHARED); not present here.");
            return path;
        }
    }

    /// <summary>The first <paramref name="count"/> cells of a class, in name order (the same files every run).</summary>
    public static string[] Cells(string label, int count) =>
        [.. Directory.EnumerateFiles(Path.Combine(CellImages, label), "*.png").Order(StringComparer.Ordinal).Take(count)];

    public static string Parasitized => Cells("Parasitized", 1)[0];

    public static string Uninfected => Cells("Uninfected", 1)[0];
}
