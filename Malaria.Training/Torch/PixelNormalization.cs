using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Maps raw RGB values 0..255 to about -1..1 as <c>(x - 128) / 128</c>, the normalisation baked into the ImageNet
/// MobileNetV2 graph. Every network here starts with it, so all of them (and their ONNX exports) take raw pixels.
/// </summary>
internal sealed class PixelNormalization : nn.Module<Tensor, Tensor>
{
    public PixelNormalization() : base(nameof(PixelNormalization)) { }

    public override Tensor forward(Tensor input) => input.sub(128f).div_(128f);
}
