using System.Globalization;
using Malaria.Inference;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Export;

/// <summary>The export stage: a TorchSharp checkpoint as model.onnx, model.zip and model.json (<c>export</c>, and every network training run).</summary>
internal static class CheckpointExport
{
    /// <summary>Exports a checkpoint to <paramref name="onnxPath"/> with the ML.NET zip and model card beside it.</summary>
    public static (OnnxModelPackageFiles Files, string Architecture, int ImageSize, IReadOnlyList<string> Labels, string LabelSource) Export(
        string checkpointPath, string onnxPath, IReadOnlyList<string>? labels = null, bool averageViews = false, double decisionThreshold = 0.5,
        CalibrationFile? calibration = null, string? calibrationSource = null)
    {
        var exportable = ExportableCheckpoint.Load(checkpointPath, labels);
        using var model = exportable.Model;
        var state = exportable.State;
        var existingCard = ModelCard.PathBeside(checkpointPath);
        var card = File.Exists(existingCard) ? ModelCard.Load(existingCard) : new ModelCard();
        card.Trainer ??= state.Architecture == "Cnn" ? "cnn" : $"mobilenetv2-{state.WidthMultiplier.ToString(CultureInfo.InvariantCulture)}";
        card.TrainingSeconds ??= state.TrainingSeconds;
        // TorchSharp networks train on smoothly resized images (DecodedImageSet); the classifier must resize the same way.
        card.Resizing = ModelCard.SmoothResizing;
        card.Properties ??= new Dictionary<string, string>();
        // Relative to the working folder when inside it, so a shipped card does not carry one machine's absolute paths.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, checkpointPath);
        card.Properties["exportedFrom"] = relative.StartsWith("..", StringComparison.Ordinal) ? checkpointPath : relative;
        // "epochs" stays the run's cap (compare matches runs on it); what the checkpoint holds is "epochsRun".
        card.Properties["epochsRun"] = state.EpochsDone.ToString(CultureInfo.InvariantCulture);
        if (state.WeightAverageDecay is { } decay) card.Properties["weightAverageDecay"] = decay.ToString(CultureInfo.InvariantCulture);
        var files = OnnxModelPackage.Write(model, exportable.Labels, state.ImageSize, onnxPath, card, averageViews, decisionThreshold, calibration, calibrationSource);
        return (files, state.Architecture, state.ImageSize, exportable.Labels, exportable.LabelSource);
    }
}
