using Malaria.Inference;

namespace Malaria.Web.Classification;

/// <summary>
/// Where the library's built-in model lies on disk, so the pool can serve it under a name like any other file.
/// Until the library's builder offers <c>FromDefault()</c>: <see cref="MalariaClassifier.LoadDefault"/> unpacks the
/// embedded files (once per process) and the classifier's <see cref="MalariaClassifier.ModelPath"/> says where.
/// </summary>
internal static class BuiltInModel
{
    /// <summary>The name the built-in model is served under (unless a configured model takes it).</summary>
    public const string Name = "default";

    private static readonly Lazy<string> UnpackedPath = new(() =>
    {
        using var classifier = MalariaClassifier.LoadDefault();
        return classifier.ModelPath;
    });

    /// <summary>The unpacked <c>model.onnx</c> (its <c>model.json</c> beside it).</summary>
    public static string Path => UnpackedPath.Value;
}
