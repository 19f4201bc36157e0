using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Removes the <c>num_batches_tracked</c> counter from every BatchNorm layer of a network.
/// </summary>
/// <remarks>
/// Why: TorchSharp's managed BatchNorm bumps that int64 counter with <c>add_(1)</c> on every training step, passing two
/// temporary native Scalars that nothing keeps alive during the native call. When a garbage collection lands in that
/// window the finalizer frees them mid-call and LibTorch reads freed memory; we saw it as an intermittent
/// "For integral input tensors, argument alpha must not be a floating point number" in epoch 2 of a 96 px CNN run (the
/// larger batch arrays make collections frequent). The counter only matters when momentum is 0 (cumulative
/// averaging); every network here uses momentum 0.1, so the running statistics are unchanged without it.
/// </remarks>
internal static class BatchNormCounters
{
    public static void Remove(nn.Module model)
    {
        foreach (var module in model.modules())
        {
            if (module is BatchNorm2d norm && norm.num_batches_tracked is not null) norm.num_batches_tracked = null;
        }
    }
}
