using Malaria.Training.Data;

namespace Malaria.Training.Tests;

/// <summary>Locates <c>../shared</c> for tests that need the real data; marks them Ignored with the reason when it is absent.</summary>
internal static class SharedData
{
    public static string MalariaImages => Require(SharedPaths.MalariaImages, "the NIH images");

    public static string MobileNetV2Onnx => Require(SharedPaths.MobileNetV2Onnx, "the pretrained MobileNetV2 ONNX");

    private static string Require(string path, string what)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
            Assert.Ignore($"Needs {what} at '{path}' (../shared beside the repository, or MALARIA_SHARED); not present here.");
        return path;
    }
}
