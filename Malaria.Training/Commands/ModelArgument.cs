using Malaria.Inference;

namespace Malaria.Training.Commands;

/// <summary>A command's <c>--model</c>: a model.zip or model.onnx (model.json beside it), or the built-in model's name.</summary>
internal static class ModelArgument
{
    /// <summary>The classifier <paramref name="modelArgument"/> names, loaded with <paramref name="options"/>.</summary>
    public static MalariaClassifier Load(string modelArgument, MalariaClassifierOptions options)
    {
        if (string.Equals(modelArgument, EvaluateCommand.ShippedModel, StringComparison.Ordinal)) return MalariaClassifier.LoadDefault(options);
        var path = Path.GetFullPath(modelArgument);
        if (!File.Exists(path))
            throw new CommandLineException($"--model '{path}' does not exist; give a model.zip or model.onnx with model.json beside it, or '{EvaluateCommand.ShippedModel}'.");
        return MalariaClassifier.Load(path, options);
    }
}
