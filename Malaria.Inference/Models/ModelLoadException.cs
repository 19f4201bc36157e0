namespace Malaria.Inference.Models;

/// <summary>A model file (or its <c>model.json</c>) that cannot be loaded; the message names the file and the problem.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string modelPath, string problem, Exception? innerException = null)
        : base($"Model '{modelPath}' cannot be loaded: {problem}", innerException)
    {
        ModelPath = modelPath;
    }

    /// <summary>The model file.</summary>
    public string ModelPath { get; }
}
