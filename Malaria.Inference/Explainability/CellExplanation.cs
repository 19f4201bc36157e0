using Microsoft.ML.Data;

namespace Malaria.Inference.Explainability;

/// <summary>
/// A prediction with the Grad-CAM heatmap of one label: where in the cell the evidence for that label lies. The heatmap
/// has the input image's size; <see cref="ToOverlayPng"/> draws it over the cell.
/// </summary>
public sealed class CellExplanation
{
    private readonly byte[] _rgba;

    internal CellExplanation(CellPrediction prediction, string targetLabel, Heatmap heatmap, MLImage image)
    {
        Prediction = prediction;
        TargetLabel = targetLabel;
        Heatmap = heatmap;
        _rgba = ToRgba(image);
    }

    /// <summary>The classification the heatmap belongs to.</summary>
    public CellPrediction Prediction { get; }

    /// <summary>The label whose evidence the heatmap shows (the predicted one unless another was asked for).</summary>
    public string TargetLabel { get; }

    /// <summary>The heatmap at the input image's size, values 0..1.</summary>
    public Heatmap Heatmap { get; }

    /// <summary>The heatmap in viridis blended over the cell, as PNG bytes (<paramref name="heatWeight"/>: the colour's share).</summary>
    public byte[] ToOverlayPng(float heatWeight = 0.5f) => HeatmapOverlay.ToPng(_rgba, Heatmap, heatWeight);

    private static byte[] ToRgba(MLImage image)
    {
        var pixels = image.Pixels;
        var rgba = pixels.ToArray();
        if (image.PixelFormat == MLPixelFormat.Bgra32)
            for (var i = 0; i < rgba.Length; i += 4) (rgba[i], rgba[i + 2]) = (rgba[i + 2], rgba[i]);
        return rgba;
    }
}
