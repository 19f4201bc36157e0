namespace Malaria.Training.Data;

/// <summary>
/// Where the data and pretrained weights that live beside the repository are found: <c>MALARIA_SHARED</c> if set,
/// else the first <c>shared/</c> folder found beside the current folder or any of its parents (<c>../shared</c> from the
/// repository root).
/// </summary>
public static class SharedPaths
{
    /// <summary>The shared folder, or null when none is found.</summary>
    public static string? Root
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("MALARIA_SHARED");
            if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "shared", "datasets");
                    if (Directory.Exists(candidate)) return Path.Combine(dir.FullName, "shared");
                }
            }
            return null;
        }
    }

    /// <summary>The NIH development images (<c>shared/datasets/malaria/cell_images</c>).</summary>
    public static string MalariaImages => Path.Combine(Root ?? Path.GetFullPath("../shared"), "datasets", "malaria", "cell_images");

    /// <summary>The pretrained MobileNetV2 ONNX backbone.</summary>
    public static string MobileNetV2Onnx => Path.Combine(Root ?? Path.GetFullPath("../shared"), "models", "mobilenetv2-imagenet", "mobilenetv2_1.0_224.onnx");
}
