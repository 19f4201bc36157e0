namespace Malaria.Inference.Models;

/// <summary>How a model file is stored.</summary>
public enum ModelFormat
{
    /// <summary>An ML.NET model zip following <see cref="ModelColumns"/>.</summary>
    MlNetZip,

    /// <summary>A bare ONNX graph: one float input [N,3,H,W] (RGB, 0..255) and an output named <c>probabilities</c> [N,labels].</summary>
    Onnx,
}
