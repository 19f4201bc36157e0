using System.Security.Cryptography;

namespace Malaria.Inference.Models;

/// <summary>
/// A model in memory: its description and a factory of scoring engines. Loaded from the bytes of the file read
/// once, so the version (hash) always describes exactly what is scoring, even if the file changes meanwhile.
/// </summary>
internal abstract class LoadedModel : IDisposable
{
    protected LoadedModel(ModelInfo info) => Info = info;

    public ModelInfo Info { get; }

    public abstract ScoringEngine CreateEngine();

    public abstract void Dispose();

    /// <summary>Loads <paramref name="path"/> (zip or onnx, by extension) with the <c>model.json</c> beside it.</summary>
    public static LoadedModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var format = Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".zip" => ModelFormat.MlNetZip,
            ".onnx" => ModelFormat.Onnx,
            var other => throw new ModelLoadException(full, $"unknown model extension '{other}'; expected .zip (ML.NET) or .onnx."),
        };
        if (!File.Exists(full)) throw new ModelLoadException(full, "the file does not exist.", new FileNotFoundException(null, full));

        var cardPath = ModelCard.PathBeside(full);
        if (!File.Exists(cardPath)) throw new ModelLoadException(full, $"its model card '{cardPath}' is missing.");
        ModelCard card;
        try { card = ModelCard.Load(cardPath); }
        catch (InvalidDataException ex) { throw new ModelLoadException(full, ex.Message, ex); }
        if (card.InputWidth <= 0 || card.InputHeight <= 0)
            throw new ModelLoadException(full, $"its model card '{cardPath}' has no input size (inputWidth/inputHeight).");

        // Read the whole file once: it is small next to the model's memory, and hashing the same bytes we load
        // means a version can never describe a file other than the one serving.
        var bytes = File.ReadAllBytes(full);
        if (bytes.Length == 0) throw new ModelLoadException(full, "the file is empty.");
        var version = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var info = new ModelInfo(full, format, version, card, DateTimeOffset.UtcNow);
        return format == ModelFormat.MlNetZip ? MlNetModel.Load(info, bytes) : OnnxModel.Load(info, bytes);
    }
}
