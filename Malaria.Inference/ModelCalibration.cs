namespace Malaria.Inference;

/// <summary>
/// A temperature that turns a model's probabilities into calibrated ones for one way of scoring (one view, or the
/// mean of 8 views): P = softmax(log p / T), which for two labels is sigmoid(logit / T). A temperature above 1
/// softens an over-confident model, below 1 sharpens an under-confident one; the ranking of images (and so the ROC
/// AUC) does not change. Stored in <c>model.json</c> under <c>calibration</c>.
/// </summary>
public sealed class ModelCalibration
{
    /// <summary>How many views the scores this temperature calibrates were averaged over (1 or 8).</summary>
    public int Views { get; set; } = 1;

    /// <summary>The temperature, finite and above 0; 1 leaves the probabilities as the model gives them.</summary>
    public double Temperature { get; set; } = 1;
}
