using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Malaria.Training.Torch;

/// <summary>
/// The small from-scratch network: 3x3 conv blocks (BatchNorm, ReLU) with max-pooling between stages, then global
/// average pooling and one linear layer. The pooled-then-linear head makes Grad-CAM exact (class activation maps
/// are the linear weights applied to the last feature maps). About 0.14 M parameters (0.55 MB float32).
/// </summary>
internal sealed class MalariaCnn : Module<Tensor, Tensor>
{
    /// <summary>Output channels of each stage and how many conv blocks it has; a 2x2 max-pool follows every stage but the last.</summary>
    internal static readonly (int Channels, int Blocks)[] Stages = [(16, 1), (32, 1), (64, 2), (128, 1)];

    private readonly PixelNormalization normalize = new();
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d pool = AdaptiveAvgPool2d(1);
    private readonly Linear classifier;

    public MalariaCnn(int classes) : base(nameof(MalariaCnn))
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var input = 3;
        for (var s = 0; s < Stages.Length; s++)
        {
            for (var b = 0; b < Stages[s].Blocks; b++)
            {
                var name = $"{s}_{b}";
                layers.Add(($"conv{name}", Conv2d(input, Stages[s].Channels, 3, padding: 1, bias: false)));
                layers.Add(($"bn{name}", BatchNorm2d(Stages[s].Channels)));
                layers.Add(($"relu{name}", ReLU(inplace: true)));
                input = Stages[s].Channels;
            }
            if (s < Stages.Length - 1) layers.Add(($"pool{s}", MaxPool2d(2)));
        }
        features = Sequential(layers);
        classifier = Linear(input, classes);
        RegisterComponents();
        BatchNormCounters.Remove(this);
        foreach (var module in modules())
        {
            if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
        }
    }

    /// <summary>Last conv feature maps [N, C, H, W] (Grad-CAM's target layer).</summary>
    public Tensor FeatureMaps(Tensor input) => features.forward(normalize.forward(input));

    public override Tensor forward(Tensor input)
    {
        using var maps = FeatureMaps(input);
        using var pooled = pool.forward(maps).flatten(1);
        return classifier.forward(pooled);
    }
}
