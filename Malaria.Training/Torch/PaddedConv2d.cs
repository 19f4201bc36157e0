using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// A bias-free 2-D convolution that pads like TensorFlow's "SAME": stride 1 pads k/2 on every side; stride 2 pads
/// only bottom and right (pads [0,0,1,1] in ONNX terms, for the even sizes used here). The ImageNet MobileNetV2 was
/// trained that way, and symmetric padding would shift every stride-2 output by half a pixel. Parameter name
/// <c>weight</c>, as torch's Conv2d, so state dictionaries keep torchvision names.
/// </summary>
internal sealed class PaddedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly long stride;
    private readonly long groups;
    private readonly long kernel;

    public PaddedConv2d(int input, int output, int kernel, int stride = 1, int groups = 1) : base(nameof(PaddedConv2d))
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), "Only strides 1 and 2 are supported.");
        this.kernel = kernel;
        this.stride = stride;
        this.groups = groups;
        weight = new Parameter(torch.empty(output, input / groups, kernel, kernel));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public long Stride => stride;

    public long Groups => groups;

    public override Tensor forward(Tensor input)
    {
        if (stride == 1 || kernel == 1)
            return nn.functional.conv2d(input, weight, null, strides: [stride, stride], padding: [kernel / 2, kernel / 2], groups: groups);
        var total = kernel - stride;
        using var padded = nn.functional.pad(input, [total / 2, total - total / 2, total / 2, total - total / 2]);
        return nn.functional.conv2d(padded, weight, null, strides: [stride, stride], padding: [0, 0], groups: groups);
    }
}
