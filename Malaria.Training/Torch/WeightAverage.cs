using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// An exponential moving average of a network's weights, kept in a second copy of the network: after every optimizer
/// step each floating-point parameter and BatchNorm statistic moves towards the trained network's by (1 - d), where
/// d = min(<see cref="Decay"/>, (1 + t) / (10 + t)) after t earlier updates, so the first steps' random weights fade
/// quickly. The average smooths the last few hundred steps' noise, which the single final weights still carry. Integer
/// buffers (BatchNorm's batch counter) are copied.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly (Tensor Source, Tensor Target, bool Averaged)[] pairs;

    /// <param name="trained">The network being trained.</param>
    /// <param name="averaged">A network of the same layout; its weights are overwritten with <paramref name="trained"/>'s.</param>
    /// <param name="decay">The per-step decay, in (0, 1).</param>
    public WeightAverage(nn.Module<Tensor, Tensor> trained, nn.Module<Tensor, Tensor> averaged, double decay)
    {
        if (decay is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must lie strictly between 0 and 1.");
        Decay = decay;
        Model = averaged;
        var targets = averaged.state_dict();
        // Which tensors are averaged is decided once here, not on every step.
        pairs = [.. trained.state_dict().Select(p => targets.TryGetValue(p.Key, out var t)
            ? (p.Value, t, t.is_floating_point())
            : throw new ArgumentException($"The averaged network has no '{p.Key}'.", nameof(averaged)))];
        using var noGrad = torch.no_grad();
        foreach (var (source, target, _) in pairs) target.copy_(source);
    }

    public double Decay { get; }

    /// <summary>The averaged network.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The decay applied at update number <paramref name="updatesBefore"/> (0 for the first step).</summary>
    public double DecayAt(long updatesBefore) => Math.Min(Decay, (1.0 + updatesBefore) / (10.0 + updatesBefore));

    /// <summary>Moves the average towards the trained weights after an optimizer step.</summary>
    public void Update(long updatesBefore)
    {
        var d = DecayAt(updatesBefore);
        using var noGrad = torch.no_grad();
        foreach (var (source, target, averaged) in pairs)
        {
            if (averaged) target.mul_(d).add_(source, alpha: 1 - d);
            else target.copy_(source);
        }
    }

    public void Dispose() => Model.Dispose();
}
