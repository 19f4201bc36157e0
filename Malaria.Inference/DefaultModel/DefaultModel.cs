using System.Security.Cryptography;
using Malaria.Inference.IO;

namespace Malaria.Inference;

/// <summary>The model embedded in this assembly, and where it is unpacked for loading.</summary>
internal static class DefaultModel
{
    private const string OnnxResource = "Malaria.Inference.DefaultModel.model.onnx";
    private const string CardResource = "Malaria.Inference.DefaultModel.model.json";
    private static readonly object Gate = new();

    /// <summary>Writes the embedded model and card to a folder named by their hash (once) and returns the model's path.</summary>
    public static string Unpack()
    {
        var onnx = Read(OnnxResource);
        var card = Read(CardResource);
        // Named by both files' bytes, so a new card with an unchanged model (and the same length) is unpacked too.
        var version = Convert.ToHexString(SHA256.HashData([.. onnx, .. card]))[..16].ToLowerInvariant();
        var folder = Path.Combine(Path.GetTempPath(), "malaria-inference", $"default-{version}");
        var modelPath = Path.Combine(folder, "model.onnx");
        var cardPath = Path.Combine(folder, ModelCard.FileName);
        lock (Gate)
        {
            // Atomic writes: another process unpacking at the same moment replaces a file with identical bytes.
            if (!File.Exists(cardPath) || new FileInfo(cardPath).Length != card.Length) AtomicFile.WriteAllBytes(cardPath, card);
            if (!File.Exists(modelPath) || new FileInfo(modelPath).Length != onnx.Length) AtomicFile.WriteAllBytes(modelPath, onnx);
        }
        return modelPath;
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The default model resource '{name}' is missing from {typeof(DefaultModel).Assembly.GetName().Name}.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
