using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Malaria.Training.Torch;

/// <summary>
/// The small from-scratch network: 3x3 conv blocks (BatchNorm, ReLU) with max-pooling between stages, then global
/// average pooling and one linear layer. The pooled-then-linear head makes Grad-CAM exact (class activation maps
/// are the linear weights applied to the last feature maps). The default layout has about 0.14 M parameters (0.55 MB
/// float32); <see cref="ParseStages"/> reads other layouts (<c>--cnn-stages</c>).
/// </summary>
internal sealed class MalariaCnn : Module<Tensor, Tensor>
{
    /// <summary>
    /// The default layout: output channels x conv blocks of each stage; a 2x2 max-pool follows every stage but the
    /// last, so 3 pools take 64 px to 8x8 maps.
    /// </summary>
    public const string DefaultStages = "16x1,32x1,64x2,128x1";

    private readonly Module<Tensor, Tensor> normalize;
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d pool = AdaptiveAvgPool2d(1);
    private readonly Linear classifier;

    public MalariaCnn(int classes, string? stages = null, InputNormalization normalization = InputNormalization.Fixed) : base(nameof(MalariaCnn))
    {
        normalize = normalization == InputNormalization.PerCell ? new CellStandardization() : new PixelNormalization();
        var layout = ParseStages(stages ?? DefaultStages);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var input = 3;
        for (var s = 0; s < layout.Length; s++)
        {
            for (var b = 0; b < layout[s].Blocks; b++)
            {
                var name = $"{s}_{b}";
                layers.Add(($"conv{name}", Conv2d(input, layout[s].Channels, 3, padding: 1, bias: false)));
                layers.Add(($"bn{name}", BatchNorm2d(layout[s].Channels)));
                layers.Add(($"relu{name}", ReLU(inplace: true)));
                input = layout[s].Channels;
            }
            if (s < layout.Length - 1) layers.Add(($"pool{s}", MaxPool2d(2)));
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

    /// <summary>Reads a layout such as <c>16x1,32x1,64x2,128x1</c> (channels x blocks per stage, 1 to 6 stages).</summary>
    public static (int Channels, int Blocks)[] ParseStages(string stages)
    {
        var parsed = stages.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(stage =>
        {
            var parts = stage.Split('x');
            return parts.Length == 2 && int.TryParse(parts[0], out var channels) && int.TryParse(parts[1], out var blocks)
                && channels is >= 1 and <= 1024 && blocks is >= 1 and <= 8
                ? (channels, blocks)
                : throw new ArgumentException($"CNN stage '{stage}' in '{stages}' is not CHANNELSxBLOCKS (e.g. 64x2; 1-1024 channels, 1-8 blocks).");
        }).ToArray();
        if (parsed.Length is < 1 or > 6) throw new ArgumentException($"CNN layout '{stages}' must have 1 to 6 stages.");
        return parsed;
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
