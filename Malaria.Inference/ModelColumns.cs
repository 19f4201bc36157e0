namespace Malaria.Inference;

/// <summary>
/// The column contract every Malaria model zip follows, whatever produced it (ML.NET transfer learning or an exported
/// TorchSharp network): the pipeline takes an already decoded image and returns the predicted label and one score
/// per label, in the order of <see cref="ModelCard.Labels"/>.
/// </summary>
public static class ModelColumns
{
    /// <summary>Input: the decoded image (<c>Microsoft.ML.Data.MLImage</c>).</summary>
    public const string Image = "Image";

    /// <summary>Training only: the label text (folder name).</summary>
    public const string Label = "Label";

    /// <summary>Output: the predicted label text.</summary>
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>Output: one probability per label, in <see cref="ModelCard.Labels"/> order.</summary>
    public const string Score = "Score";

    /// <summary>
    /// Optional output: class activation maps [1, labels, h, w] from the last convolutional block (exact Grad-CAM for
    /// networks with a pooled linear head). Models that have it can explain their predictions.
    /// </summary>
    public const string Cam = "Cam";
}
