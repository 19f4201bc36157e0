using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Malaria.Training.Torch;

/// <summary>
/// MobileNetV2 in torchvision's layout and parameter names (<c>features.N...</c>, <c>classifier.1</c>) with a width
/// multiplier, so ImageNet weights map one to one. Differences from torchvision, both for the TensorFlow-trained
/// weights: stride-2 convolutions pad TensorFlow "SAME" style (one pixel bottom/right only, see
/// <see cref="PaddedConv2d"/>), and the input is raw 0..255 RGB normalised inside as (x-128)/128.
/// </summary>
internal sealed class MobileNetV2 : Module<Tensor, Tensor>
{
    /// <summary>Inverted-residual settings (expansion t, channels c, repeats n, first stride s), as in the paper.</summary>
    private static readonly (int T, int C, int N, int S)[] Settings =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    private readonly PixelNormalization normalize = new();
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d pool = AdaptiveAvgPool2d(1);
    private readonly Sequential classifier;

    public MobileNetV2(int classes, double widthMultiplier = 1.0, double dropout = 0.2) : base(nameof(MobileNetV2))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(widthMultiplier);
        WidthMultiplier = widthMultiplier;
        var input = MakeDivisible(32 * widthMultiplier);
        FeatureCount = MakeDivisible(1280 * Math.Max(1.0, widthMultiplier));
        var layers = new List<Module<Tensor, Tensor>> { ConvBnRelu6(3, input, 3, 2) };
        foreach (var (t, c, n, s) in Settings)
        {
            var output = MakeDivisible(c * widthMultiplier);
            for (var i = 0; i < n; i++)
            {
                layers.Add(new InvertedResidual(input, output, i == 0 ? s : 1, t));
                input = output;
            }
        }
        layers.Add(ConvBnRelu6(input, FeatureCount, 1, 1));
        features = Sequential(layers);
        classifier = Sequential(Dropout(dropout), Linear(FeatureCount, classes));
        RegisterComponents();
        BatchNormCounters.Remove(this);
        foreach (var module in modules())
        {
            switch (module)
            {
                case PaddedConv2d conv:
                    init.kaiming_normal_(conv.Weight, mode: init.FanInOut.FanOut);
                    break;
                case BatchNorm2d bn:
                    init.ones_(bn.weight);
                    init.zeros_(bn.bias);
                    break;
                case Linear linear:
                    init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is not null) init.zeros_(linear.bias);
                    break;
            }
        }
    }

    public double WidthMultiplier { get; }

    /// <summary>Length of the pooled feature vector (1280 at width 1.0).</summary>
    public int FeatureCount { get; }

    /// <summary>Last feature maps [N, FeatureCount, H/32, W/32], after ReLU6 (Grad-CAM's target layer).</summary>
    public Tensor FeatureMaps(Tensor input) => features.forward(normalize.forward(input));

    /// <summary>Globally pooled features [N, FeatureCount]: the ONNX backbone's <c>features</c> output.</summary>
    public Tensor PooledFeatures(Tensor input)
    {
        using var maps = FeatureMaps(input);
        return pool.forward(maps).flatten(1);
    }

    public override Tensor forward(Tensor input)
    {
        using var pooled = PooledFeatures(input);
        return classifier.forward(pooled);
    }

    internal static int MakeDivisible(double value, int divisor = 8)
    {
        var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * value) rounded += divisor;
        return rounded;
    }

    internal static Sequential ConvBnRelu6(int input, int output, int kernel, int stride, int groups = 1) =>
        Sequential(new PaddedConv2d(input, output, kernel, stride, groups), BatchNorm2d(output), ReLU6());

    /// <summary>Expand (1x1), depthwise (3x3), project (1x1, linear); a residual when shape is kept.</summary>
    private sealed class InvertedResidual : Module<Tensor, Tensor>
    {
        private readonly Sequential conv;
        private readonly bool residual;

        public InvertedResidual(int input, int output, int stride, int expandRatio) : base(nameof(InvertedResidual))
        {
            var hidden = (int)Math.Round(input * (double)expandRatio);
            residual = stride == 1 && input == output;
            var layers = new List<Module<Tensor, Tensor>>();
            if (expandRatio != 1) layers.Add(ConvBnRelu6(input, hidden, 1, 1));
            layers.Add(ConvBnRelu6(hidden, hidden, 3, stride, hidden));
            layers.Add(new PaddedConv2d(hidden, output, 1, 1));
            layers.Add(BatchNorm2d(output));
            conv = Sequential(layers);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            if (!residual) return conv.forward(input);
            using var branch = conv.forward(input);
            return input.add(branch);
        }
    }
}
