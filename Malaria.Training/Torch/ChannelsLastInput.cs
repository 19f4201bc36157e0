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
/// <remarks>
/// Only the CNN is fed this way. LibTorch 2.10's CPU 1x1 convolution from 960 to 320 channels (MobileNetV2's last
/// projection) computes wrong values on a channels-last input: outputs off by about 1.7 on values of about 4, with
/// random weights and inputs, at any batch size tried. The 960-to-160 and smaller projections were exact. So
/// MobileNetV2 gets plain NCHW batches (<see cref="For"/>).
/// </remarks>
internal static class ChannelsLastInput
{
    /// <summary>A batch laid out the way <paramref name="network"/> is fed: channels-last for the CNN, plain NCHW otherwise.</summary>
    public static Tensor For(nn.Module network, float[] pixels, int count, int size) =>
        network is MalariaCnn ? FromPixels(pixels, count, size) : torch.tensor(pixels, [count, 3, size, size]);

    /// <summary><paramref name="pixels"/> holds <paramref name="count"/> images of 3 x <paramref name="size"/> x <paramref name="size"/> floats in NCHW order.</summary>
    public static Tensor FromPixels(float[] pixels, int count, int size)
    {
        using var planar = torch.tensor(pixels, [count, 3, size, size]);
        using var interleaved = planar.permute(0, 2, 3, 1).contiguous();
        return interleaved.permute(0, 3, 1, 2);
    }
}
