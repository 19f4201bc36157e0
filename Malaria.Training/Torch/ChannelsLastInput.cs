using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Builds a network's input batch with its memory laid out channels-last (NHWC) while its shape stays [N,3,S,S].
/// LibTorch's CPU convolutions follow the input's layout, and channels-last runs oneDNN's NHWC kernels, which are
/// faster for these small-channel networks (see docs/experiments/2026-12-02-channels-last-training.md); the values
/// computed are the same up to float rounding. TorchSharp 0.107 has no memory-format argument, so the layout comes
/// from a permuted copy: NCHW -> NHWC (contiguous) -> viewed back as NCHW.
/// </summary>
internal static class ChannelsLastInput
{
    /// <summary><paramref name="pixels"/> holds <paramref name="count"/> images of 3 x <paramref name="size"/> x <paramref name="size"/> floats in NCHW order.</summary>
    public static Tensor FromPixels(float[] pixels, int count, int size)
    {
        using var planar = torch.tensor(pixels, [count, 3, size, size]);
        using var interleaved = planar.permute(0, 2, 3, 1).contiguous();
        return interleaved.permute(0, 3, 1, 2);
    }
}
