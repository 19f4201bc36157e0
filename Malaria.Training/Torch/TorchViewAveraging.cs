using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Test-time augmentation in TorchSharp, the same as the exported graph's (<see cref="Onnx.OnnxViewAveraging"/>): the
/// mean logits of an image's 8 rotations and mirror images. Used to score held-out images the way a model exported
/// with view averaging will score them.
/// </summary>
internal static class TorchViewAveraging
{
    public const int ViewCount = 8;

    /// <summary>Mean logits [N,C] over the 8 views of <paramref name="input"/> [N,3,S,S] (the network in evaluation mode).</summary>
    public static Tensor MeanLogits(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var transposed = input.transpose(2, 3);
        using var views = cat([input, input.flip(3), input.flip(2), input.flip(2, 3),
            transposed, transposed.flip(3), transposed.flip(2), transposed.flip(2, 3)], 0);
        using var logits = model.forward(views);
        return logits.reshape(ViewCount, input.shape[0], -1).mean([0]);
    }
}
