using System.Security.Cryptography;

namespace Malaria.Inference.Models;

/// <summary>
/// The bytes of a model and of its card, read together, and the version that names both. A model is loaded from
/// these bytes, never from the files again, so the version always describes exactly what is serving.
/// </summary>
internal sealed class ModelFiles
{
    public ModelFiles(string source, ModelFormat format, byte[] model, byte[] card, string cardSource)
    {
        Source = source;
        Format = format;
        Model = model;
        Card = card;
        CardSource = cardSource;
        // The card is part of the version: its labels decide what a score means, so a new card with the same
        // model is a new model to serve.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(model);
        hash.AppendData(card);
        Version = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>The model file's full path, or the built-in model's name.</summary>
    public string Source { get; }

    public ModelFormat Format { get; }

    public byte[] Model { get; }

    public byte[] Card { get; }

    /// <summary>Where the card came from, for error messages.</summary>
    public string CardSource { get; }

    /// <summary>Lower-case hex SHA-256 of the model's bytes followed by the card's bytes.</summary>
    public string Version { get; }
}
