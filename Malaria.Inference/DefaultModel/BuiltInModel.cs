using Malaria.Inference.Models;

namespace Malaria.Inference;

/// <summary>
/// The model embedded in this assembly (the one <see cref="MalariaClassifier.LoadDefault"/> serves). It loads from
/// memory: nothing is written to disk, so it works on a read-only file system and leaves no file another user could
/// replace.
/// </summary>
internal static class BuiltInModel
{
    /// <summary>How the built-in model is named in messages and in <see cref="ModelInfo.Path"/>.</summary>
    public const string Name = "built-in:Malaria.Inference/model.onnx";

    private const string OnnxResource = "Malaria.Inference.DefaultModel.model.onnx";
    private const string CardResource = "Malaria.Inference.DefaultModel.model.json";

    private static readonly Lazy<ModelFiles> Files = new(() =>
        new ModelFiles(Name, ModelFormat.Onnx, ReadResource(OnnxResource), ReadResource(CardResource), $"built-in:{ModelCard.FileName}"));

    /// <summary>The embedded model and card (read once per process; the arrays are never modified).</summary>
    public static ModelFiles Read() => Files.Value;

    /// <summary>
    /// Writes the model and its card into a new private folder (created by the runtime with owner-only access) for
    /// tools that must read a file, such as the trainer's <c>evaluate</c>; returns the model's path. The caller
    /// deletes the folder when done.
    /// </summary>
    public static string WriteToPrivateFolder()
    {
        var folder = Directory.CreateTempSubdirectory("malaria-builtin-").FullName;
        var files = Read();
        var modelPath = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(Path.Combine(folder, ModelCard.FileName), files.Card);
        File.WriteAllBytes(modelPath, files.Model);
        return modelPath;
    }

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(BuiltInModel).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The built-in model resource '{name}' is missing from {typeof(BuiltInModel).Assembly.GetName().Name}.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
