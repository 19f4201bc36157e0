using Malaria.TestSupport;
namespace Malaria.Web.Tests.Support;

/// <summary>
/// Model folders for tests, made from the built-in model: a copy, or a variant with other bytes (so another version)
/// and the same behaviour, written the way a trainer replaces a served model.
/// </summary>
internal sealed class ModelFiles : IDisposable
{
    // The built-in model now loads from memory (no file); its source files are in the repository.
    private static readonly Lazy<string> BuiltIn = new(() =>
        Path.Combine(Repository.Root, "Malaria.Inference", "DefaultModel", "model.onnx"));

    public ModelFiles()
    {
        Folder = Directory.CreateTempSubdirectory("malaria-web-tests-").FullName;
    }

    public string Folder { get; }

    /// <summary>A copy of the built-in model (and its card) in a folder of its own; returns the model's path.</summary>
    public string Copy(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        var source = Path.GetDirectoryName(BuiltIn.Value)!;
        File.Copy(Path.Combine(source, "model.json"), Path.Combine(folder, "model.json"));
        var model = Path.Combine(folder, "model.onnx");
        File.Copy(BuiltIn.Value, model);
        return model;
    }

    /// <summary>
    /// A copy of the built-in model whose card calibrates its one-view scores (the library's default) (temperature 1.5) and has a balanced
    /// (0.5) and a screening (0.05) operating point; returns the model's path.
    /// </summary>
    public string CopyWithOperatingPoints(string name)
    {
        var model = Copy(name);
        var cardPath = Path.Combine(Path.GetDirectoryName(model)!, "model.json");
        var card = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(cardPath))!.AsObject();
        card["calibration"] = System.Text.Json.Nodes.JsonNode.Parse("""[{ "views": 1, "temperature": 1.5 }]""");
        card["operatingPoints"] = System.Text.Json.Nodes.JsonNode.Parse("""
            [{ "name": "balanced", "views": 1, "threshold": 0.5, "sensitivity": 0.95, "specificity": 0.97, "source": "test" },
             { "name": "screening", "views": 1, "threshold": 0.05, "sensitivity": 0.99, "specificity": 0.8, "source": "test" }]
            """);
        card["defaultOperatingPoint"] = "balanced";
        File.WriteAllText(cardPath, card.ToJsonString());
        return model;
    }

    /// <summary>
    /// Replaces a model file by the built-in model with a doc string appended (ONNX ModelProto field 6): the same
    /// network, other bytes, so a new version. Written to a temporary file and renamed over the old one.
    /// </summary>
    public static void WriteVariant(string modelPath, string docString)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(docString);
        if (text.Length > 127) throw new ArgumentException("Keep the doc string under 128 bytes (one-byte length).", nameof(docString));
        byte[] bytes = [.. File.ReadAllBytes(BuiltIn.Value), (6 << 3) | 2, (byte)text.Length, .. text];
        ReplaceAtomically(modelPath, bytes);
    }

    /// <summary>Replaces a model file by bytes that are no model.</summary>
    public static void WriteGarbage(string modelPath) => ReplaceAtomically(modelPath, System.Text.Encoding.ASCII.GetBytes("not an onnx model"));

    private static void ReplaceAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a watcher may still hold it; the temp folder is cleaned later */ }
    }
}
