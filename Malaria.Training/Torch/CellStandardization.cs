using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Per-image stain normalisation, an alternative first layer to <see cref="PixelNormalization"/>: each channel of each
/// image is standardised over the cell's own pixels, so a slide stained darker, paler or bluer shows the network the
/// same numbers. The NIH crops are cells on black, so the cell is where the brightest channel exceeds
/// <see cref="CellThreshold"/>; its pixels become (x - mean) / sqrt(variance + 1) of their channel, the background 0.
/// </summary>
/// <remarks>
/// The threshold sits above what the training colour jitter makes of black (at most about 40 at jitter 0.1) and
/// below stained cell pixels (their brightest channel is well over 60). The +1 keeps a flat image finite.
/// </remarks>
internal sealed class CellStandardization : nn.Module<Tensor, Tensor>
{
    /// <summary>Pixels whose brightest channel exceeds this (0..255) belong to the cell.</summary>
    public const float CellThreshold = 50f;

    public CellStandardization() : base(nameof(CellStandardization)) { }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var mask = input.amax([1], keepdim: true).gt(CellThreshold).to_type(input.dtype);
        var count = mask.sum([2, 3], keepdim: true).clamp_min(1f);
        var mean = input.mul(mask).sum([2, 3], keepdim: true).div(count);
        var centred = input.sub(mean).mul(mask);
        var variance = centred.square().sum([2, 3], keepdim: true).div(count);
        return centred.div(variance.add(1f).sqrt()).MoveToOuterDisposeScope();
    }
}
