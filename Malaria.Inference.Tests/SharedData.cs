namespace Malaria.Inference.Tests;

/// <summary>
/// Locates the NIH images in <c>../shared</c> for the few library tests that read real cells, without the trainer
/// (which has the same lookup, <c>Malaria.Training.Data.SharedPaths</c>): <c>MALARIA_SHARED</c> if set, else the first
/// <c>shared/</c> folder with <c>datasets/</c> found beside the working folder, the test binaries or any of their parents.
/// </summary>
internal static class SharedData
{
    /// <summary>Where the NIH images would be; the folder may not exist.</summary>
    public static string MalariaImagesPath => Malaria.TestSupport.SharedFolder.MalariaImagesPath;

    /// <summary>The NIH images; marks the test Ignored with the reason when they are absent.</summary>
    public static string MalariaImages
    {
        get
        {
            var path = MalariaImagesPath;
            if (!Directory.Exists(path))
                Assert.Ignore($"Needs the NIH images at '{path}' (../shared beside the repository, or MALARIA_SHARED); not present here.");
            return path;
        }
    }
}
