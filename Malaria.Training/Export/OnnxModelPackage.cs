using Malaria.Inference;
using Malaria.Training.Evaluation;
using Malaria.Training.Onnx;
using static TorchSharp.torch;

namespace Malaria.Training.Export;

/// <summary>The files one export produces, side by side.</summary>
internal sealed record OnnxModelPackageFiles(string Onnx, string Zip, string Card);

/// <summary>
/// Writes a trained network in both forms the inference library loads, each file atomically: <c>model.onnx</c> (see
/// <see cref="TorchOnnxExporter"/>), the ML.NET zip wrapping it (see <see cref="OnnxModelZip"/>), and the
/// <c>model.json</c> both share. The trainer calls <see cref="Write"/> at the end of <c>train</c>; <c>export</c>
/// calls it for any checkpoint.
/// </summary>
internal static class OnnxModelPackage
{
    public const string OnnxFileName = "model.onnx";

    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="onnxPath"/>, writes the zip with the same name and the
    /// <c>.zip</c> extension beside it, and saves <paramref name="card"/> (labels, input size and views filled in) as
    /// <c>model.json</c> in that folder. A zip path equal to <paramref name="onnxPath"/> is refused. The graph scores
    /// one view; <paramref name="averageViews"/> (the model was chosen and evaluated on the mean of each image's 8
    /// rotations and mirror images) is recorded in the card as <c>"views": { "inGraph": 1, "recommended": 8 }</c>, for
    /// the library to average when asked. A <paramref name="decisionThreshold"/> other than 0.5 is written into the
    /// graph (<see cref="TorchOnnxExporter.Export"/>). A <paramref name="calibration"/> puts its temperatures and operating
    /// points into the card.
    /// </summary>
    public static OnnxModelPackageFiles Write(nn.Module<Tensor, Tensor> model, IReadOnlyList<string> labels, int imageSize,
        string onnxPath, ModelCard card, bool averageViews = false, double decisionThreshold = 0.5, CalibrationFile? calibration = null, string? calibrationSource = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        var onnx = Path.GetFullPath(onnxPath);
        var zip = Path.ChangeExtension(onnx, ".zip");
        if (string.Equals(zip, onnx, StringComparison.Ordinal))
            throw new ArgumentException($"'{onnx}' must end in .onnx so the ML.NET zip can be written beside it.");
        card.Labels = [.. labels];
        card.InputWidth = imageSize;
        card.InputHeight = imageSize;
        card.CreatedUtc ??= DateTimeOffset.UtcNow;
        card.Properties ??= new Dictionary<string, string>();
        card.Properties["onnx"] = $"{Path.GetFileName(onnx)}: input '{TorchOnnxExporter.InputName}' [N,3,{imageSize},{imageSize}] {TorchOnnxExporter.PixelFormat}; outputs logits, probabilities, cam, cam_pre_relu";
        // The pre-choice property "views": "8" meant views inside the graph; this graph has none.
        card.Properties.Remove("views");
        card.Views = new ModelCardViews { InGraph = 1, Recommended = averageViews ? OnnxViewAveraging.ViewCount : 1 };
        if (decisionThreshold != 0.5) card.Properties["decisionThreshold"] = decisionThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else card.Properties.Remove("decisionThreshold");
        if (calibration is not null) calibration.ApplyTo(card, calibrationSource ?? CalibrationFile.FileName);
        else if (decisionThreshold != 0.5)
        {
            // Shifted probabilities are not those a kept temperature or threshold was fitted on.
            card.Calibration = null;
            card.OperatingPoints = null;
            card.DefaultOperatingPoint = null;
        }

        TorchOnnxExporter.Save(model, labels, imageSize, onnx, viewsInGraph: false, decisionThreshold);
        var cardPath = ModelCard.PathBeside(onnx);
        card.Save(cardPath);
        OnnxModelZip.Write(onnx, card, zip);
        return new OnnxModelPackageFiles(onnx, zip, cardPath);
    }
}
