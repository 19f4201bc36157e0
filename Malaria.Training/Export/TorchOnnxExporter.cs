using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Malaria.Inference.IO;
using Malaria.Training.Onnx.Proto;
using Malaria.Training.Torch;
using Malaria.Training.Evaluation;
using Malaria.Training.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Export;

/// <summary>
/// Writes a trained <see cref="MalariaCnn"/> or <see cref="MobileNetV2"/> (any width) as an ONNX graph (opset 13, IR 7)
/// that computes exactly what the network computes in evaluation mode.
/// </summary>
/// <remarks>
/// <para>Graph contract. Input <c>input</c>: float32 <c>[N,3,S,S]</c>, RGB planes (NCHW), raw pixel values 0..255, the
/// image stretched to S x S (S = the training size; N is free). The networks' own <see cref="PixelNormalization"/>
/// <c>(x-128)/128</c> is the first two nodes (<c>Sub</c>, <c>Div</c>), as in the shared ImageNet MobileNetV2, so
/// ML.NET's <c>ExtractPixels(interleavePixelColors: false)</c> feeds it with no scale or offset. It is kept as nodes
/// rather than folded into the first convolution because the convolution's zero padding means 128 in raw pixels;
/// folding would change every border pixel. A CNN trained with <c>--stain-normalization</c> starts with
/// <see cref="OnnxCellStandardization"/> instead; the input contract is the same.</para>
/// <para>Outputs: <c>logits</c> <c>[N,C]</c>; <c>probabilities</c> <c>[N,C]</c> (Softmax over the labels, in
/// label order); <c>cam</c> <c>[N,C,h,w]</c>, the class activation map of every class on the last feature maps
/// (h = w = S/8 for the CNN, S/32 for MobileNetV2); <c>cam_pre_relu</c>, the same maps before the Relu, so that the
/// library, averaging views, can rectify the mean map as Grad-CAM of the mean logit. The head is global average pooling then a linear layer, so
/// d(logit_c)/dF_k(i,j) = W_ck / (h w) everywhere: Grad-CAM's channel weights are the classifier row divided by the
/// map's area, and <c>cam = Relu(Conv1x1(F, W / (h w)))</c> is Grad-CAM exactly, not only up to a scale. The bias is
/// left out because Grad-CAM has none (it shifts every pixel of a map equally, carrying no location); without it,
/// the spatial mean of the map before the Relu plus the bias is the logit.</para>
/// <para>BatchNorm is folded into the preceding convolution with the running statistics (evaluation mode);
/// ReLU6 becomes <c>Clip(0,6)</c>; dropout disappears. <see cref="PaddedConv2d"/>'s TensorFlow "SAME" stride-2
/// padding is written as explicit asymmetric pads (<c>[0,0,1,1]</c> for 3x3), as in the shared MobileNetV2 file.</para>
/// </remarks>
internal static class TorchOnnxExporter
{
    public const string InputName = "input";
    public const string LogitsName = "logits";
    public const string ProbabilitiesName = "probabilities";
    public const string CamName = "cam";
    public const string CamPreReluName = "cam_pre_relu";
    public const int OpsetVersion = 13;
    public const long IrVersion = 7;

    /// <summary>Metadata keys written into the ONNX file (readable without the model card).</summary>
    public const string LabelsMetadataKey = "malaria.labels";
    public const string InputSizeMetadataKey = "malaria.input_size";
    public const string PixelFormatMetadataKey = "malaria.pixel_format";
    public const string ViewsMetadataKey = "malaria.views";
    public const string ThresholdMetadataKey = "malaria.decision_threshold";
    public const string PixelFormat = "RGB planar NCHW float32, raw 0..255 (normalised inside the graph)";

    /// <summary>
    /// Exports <paramref name="model"/> for square inputs of <paramref name="imageSize"/> pixels as a one-view graph:
    /// the inference library averages views itself when asked (<c>ScoringViews.Dihedral</c>), from <c>logits</c> and
    /// <c>cam_pre_relu</c>. <paramref name="viewsInGraph"/> writes the graph exported before views were a choice, which
    /// scores every image as the mean over its 8 rotations and mirror images inside the graph
    /// (<see cref="OnnxViewAveraging"/>: same inputs and outputs, no <c>cam_pre_relu</c>, 8 times the work); it is kept
    /// to check that both give the same predictions. A <paramref name="decisionThreshold"/>
    /// other than 0.5 moves the cut (see <see cref="DecisionThreshold"/>) into the graph: logit(t) is taken off the
    /// positive label's bias, so the positive probability crosses 0.5 exactly where the network's own crosses t, and
    /// everything reading the most probable label (the inference library, ML.NET) applies the cut. Grad-CAM has no
    /// bias, so the maps do not change.
    /// </summary>
    public static ModelProto Export(nn.Module<Tensor, Tensor> model, IReadOnlyList<string> labels, int imageSize, bool viewsInGraph = false,
        double decisionThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 8);
        if (model is not (MalariaCnn or MobileNetV2))
            throw new NotSupportedException($"ONNX export supports MalariaCnn and MobileNetV2, not {model.GetType().Name}.");
        var children = model.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        if (!children.TryGetValue("normalize", out var normalize) || normalize is not (PixelNormalization or CellStandardization)
            || !children.TryGetValue("features", out var features) || features is not Sequential featureLayers
            || !children.TryGetValue("pool", out var pool) || pool is not AdaptiveAvgPool2d
            || !children.TryGetValue("classifier", out var classifier))
            throw new NotSupportedException($"{model.GetType().Name} does not have the normalize/features/pool/classifier layout the exporter expects.");
        var linear = FindLinear(classifier);

        using var noGrad = torch.no_grad();
        var graph = new OnnxGraphBuilder();
        var input = graph.Reserve(InputName);
        graph.Graph.Name = model.GetType().Name;
        graph.Graph.Input.Add(OnnxGraphBuilder.FloatTensor(input, [null, 3, imageSize, imageSize]));

        var averageViews = viewsInGraph;
        var batch = averageViews ? OnnxViewAveraging.StackViews(graph, input) : input;

        string normalised;
        if (normalize is CellStandardization)
        {
            normalised = OnnxCellStandardization.Emit(graph, batch);
        }
        else
        {
            // (x - 128) / 128, exactly as PixelNormalization computes it.
            var centred = graph.Node("Sub", "centred", [batch, graph.Initializer("pixel_offset", [128f])]);
            normalised = graph.Node("Div", "normalised", [centred, graph.Initializer("pixel_scale", [128f])]);
        }

        var shape = new FeatureShape(3, imageSize, imageSize);
        var maps = new LayerEmitter(graph).EmitSequence(featureLayers, normalised, ref shape);

        var weight = linear.weight!.detach().to(ScalarType.Float32).cpu();
        var classes = weight.shape[0];
        if (weight.shape[1] != shape.Channels)
            throw new InvalidDataException($"The classifier takes {weight.shape[1]} features but the last feature maps have {shape.Channels} channels.");
        if (classes != labels.Count)
            throw new ArgumentException($"The model has {classes} outputs but {labels.Count} labels were given ({string.Join(", ", labels)}).", nameof(labels));
        var weightValues = weight.data<float>().ToArray();
        var biasValues = linear.bias is null ? new float[classes] : linear.bias.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
        var movesCut = decisionThreshold != 0.5;
        if (movesCut) ShiftPositiveBias(biasValues, labels, decisionThreshold);

        // Head: GlobalAveragePool -> Flatten -> Gemm (x W^T + b) = logits; Softmax = probabilities.
        var pooled = graph.Node("GlobalAveragePool", "pooled", [maps]);
        var flat = graph.Node("Flatten", "pooled_flat", [pooled], OnnxGraphBuilder.Int("axis", 1));
        var logits = graph.Reserve(LogitsName);
        var gemmInputs = new[] { flat, graph.Initializer("classifier_weight", weightValues, classes, shape.Channels), graph.Initializer("classifier_bias", biasValues, classes) };
        if (averageViews)
            graph.NodeTo("Identity", logits, [OnnxViewAveraging.MeanOverViews(graph, graph.Node("Gemm", "view_logits", gemmInputs, OnnxGraphBuilder.Int("transB", 1)), classes)]);
        else
            graph.NodeTo("Gemm", logits, gemmInputs, OnnxGraphBuilder.Int("transB", 1));
        var probabilities = graph.Reserve(ProbabilitiesName);
        graph.NodeTo("Softmax", probabilities, [logits], OnnxGraphBuilder.Int("axis", 1));

        // Grad-CAM for every class: the classifier rows divided by the map area as 1x1 convolution weights, then Relu.
        var area = (float)(shape.Height * shape.Width);
        var camWeights = weightValues.Select(v => v / area).ToArray();
        var camLinear = graph.Node("Conv", "cam_linear", [maps, graph.Initializer("cam_weight", camWeights, classes, shape.Channels, 1, 1)],
            OnnxGraphBuilder.Ints("kernel_shape", 1, 1));
        if (averageViews) camLinear = OnnxViewAveraging.MeanOfAlignedMaps(graph, camLinear, classes, shape.Height, shape.Width);
        var cam = graph.Reserve(CamName);
        graph.NodeTo("Relu", cam, [camLinear]);
        string? camPreRelu = null;
        if (!averageViews)
        {
            camPreRelu = graph.Reserve(CamPreReluName);
            graph.NodeTo("Identity", camPreRelu, [camLinear]);
        }

        graph.Graph.Output.Add(OnnxGraphBuilder.FloatTensor(logits, [null, classes]));
        graph.Graph.Output.Add(OnnxGraphBuilder.FloatTensor(probabilities, [null, classes]));
        graph.Graph.Output.Add(OnnxGraphBuilder.FloatTensor(cam, [null, classes, shape.Height, shape.Width]));
        if (camPreRelu is not null) graph.Graph.Output.Add(OnnxGraphBuilder.FloatTensor(camPreRelu, [null, classes, shape.Height, shape.Width]));

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Malaria.Training",
            ProducerVersion = typeof(TorchOnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph.Graph,
            DocString = $"Malaria cell classifier ({model.GetType().Name}). Input '{InputName}': {PixelFormat}, [N,3,{imageSize},{imageSize}]. " +
                $"Outputs '{LogitsName}' and '{ProbabilitiesName}' [N,{classes}] in label order ({string.Join(", ", labels)}); " +
                $"'{CamName}' [N,{classes},{shape.Height},{shape.Width}]: Grad-CAM of every class on the last feature maps" +
                (averageViews ? "." : $"; '{CamPreReluName}': the same before its Relu.") +
                (averageViews ? $" Scores are the mean logits of the image's {OnnxViewAveraging.ViewCount} rotations and mirror images; the maps are averaged back on the upright image." : "") +
                (movesCut ? string.Create(CultureInfo.InvariantCulture, $" Decision threshold {decisionThreshold}: the {TorchTrainingData.DefaultPositiveLabel} logit is lowered by logit({decisionThreshold}), so its probability passes 0.5 where the network's passes {decisionThreshold}.") : ""),
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = LabelsMetadataKey, Value = JsonSerializer.Serialize(labels) });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = InputSizeMetadataKey, Value = imageSize.ToString(CultureInfo.InvariantCulture) });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = PixelFormatMetadataKey, Value = PixelFormat });
        if (averageViews) proto.MetadataProps.Add(new StringStringEntryProto { Key = ViewsMetadataKey, Value = OnnxViewAveraging.ViewCount.ToString(CultureInfo.InvariantCulture) });
        if (movesCut) proto.MetadataProps.Add(new StringStringEntryProto { Key = ThresholdMetadataKey, Value = decisionThreshold.ToString(CultureInfo.InvariantCulture) });
        return proto;
    }

    /// <summary>
    /// Lowers the positive label's bias by logit(t): softmax of two logits is the sigmoid of their difference, so the
    /// positive probability becomes sigmoid(d - logit(t)), which passes 0.5 where sigmoid(d) passes t. With view
    /// averaging the shift is the same, since the mean of shifted logits is the shifted mean.
    /// </summary>
    private static void ShiftPositiveBias(float[] bias, IReadOnlyList<string> labels, double threshold)
    {
        if (threshold is <= 0 or >= 1 || double.IsNaN(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A decision threshold lies strictly between 0 and 1.");
        var positive = labels.ToList().IndexOf(TorchTrainingData.DefaultPositiveLabel);
        if (labels.Count != 2 || positive < 0)
            throw new ArgumentException($"A decision threshold needs the two labels {TorchTrainingData.DefaultPositiveLabel} and another; this model has {string.Join(", ", labels)}.", nameof(labels));
        bias[positive] -= (float)Math.Log(threshold / (1 - threshold));
    }

    /// <summary>
    /// Exports and writes the file atomically (readers never see half a model). This is the call for the trainer at
    /// the end of <c>train</c>: <c>TorchOnnxExporter.Save(model, labels, imageSize, Path.Combine(runFolder, "model.onnx"))</c>.
    /// </summary>
    public static void Save(nn.Module<Tensor, Tensor> model, IReadOnlyList<string> labels, int imageSize, string path, bool viewsInGraph = false,
        double decisionThreshold = 0.5)
    {
        var proto = Export(model, labels, imageSize, viewsInGraph, decisionThreshold);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    private static Linear FindLinear(nn.Module classifier) => classifier switch
    {
        Linear linear => linear,
        Sequential sequential => sequential.children().OfType<Linear>().SingleOrDefault()
            ?? throw new NotSupportedException("The classifier must hold exactly one Linear layer (dropout aside)."),
        _ => throw new NotSupportedException($"Unsupported classifier layer {classifier.GetType().Name}."),
    };

    /// <summary>Channels and spatial size of the tensor flowing through the features.</summary>
    private record struct FeatureShape(long Channels, long Height, long Width);

    /// <summary>Emits the feature layers, folding each BatchNorm into the convolution before it.</summary>
    private sealed class LayerEmitter(OnnxGraphBuilder graph)
    {
        public string EmitSequence(nn.Module container, string input, ref FeatureShape shape)
        {
            var layers = container.children().ToList();
            var current = input;
            for (var i = 0; i < layers.Count; i++)
            {
                var layer = layers[i];
                var norm = i + 1 < layers.Count ? layers[i + 1] as BatchNorm2d : null;
                switch (layer)
                {
                    case PaddedConv2d padded:
                        current = EmitPaddedConv(padded, norm, current, ref shape);
                        if (norm is not null) i++;
                        break;
                    case Conv2d conv:
                        current = EmitConv(conv, norm, current, ref shape);
                        if (norm is not null) i++;
                        break;
                    default:
                        current = EmitLayer(layer, current, ref shape);
                        break;
                }
            }
            return current;
        }

        private string EmitLayer(nn.Module layer, string input, ref FeatureShape shape)
        {
            switch (layer)
            {
                case Sequential:
                    return EmitSequence(layer, input, ref shape);
                case ReLU:
                    return graph.Node("Relu", "relu", [input]);
                case ReLU6:
                    return graph.Node("Clip", "relu6", [input, graph.Initializer("clip_min", [0f]), graph.Initializer("clip_max", [6f])]);
                case Dropout:
                    return input; // identity in evaluation mode
                case MaxPool2d pool:
                    return EmitMaxPool(pool, input, ref shape);
                case BatchNorm2d:
                    throw new NotSupportedException("A BatchNorm2d that does not follow a convolution cannot be folded.");
            }
            if (layer.GetName() == "InvertedResidual")
            {
                // MobileNetV2 adds the block's input back when the block keeps the shape (stride 1, same channels).
                var before = shape;
                var output = EmitSequence(layer.children().Single(), input, ref shape);
                return shape == before ? graph.Node("Add", "residual", [input, output]) : output;
            }
            throw new NotSupportedException($"ONNX export does not know the layer {layer.GetType().Name} ('{layer.GetName()}').");
        }

        private string EmitPaddedConv(PaddedConv2d conv, BatchNorm2d? norm, string input, ref FeatureShape shape)
        {
            var kernel = conv.Weight.shape[2];
            var stride = conv.Stride;
            long before, after;
            if (stride == 1 || kernel == 1) before = after = kernel / 2;
            else
            {
                // TensorFlow "SAME": the total padding kernel - stride, the extra pixel at the bottom/right.
                var total = kernel - stride;
                before = total / 2;
                after = total - total / 2;
            }
            return EmitFoldedConv("conv", conv.Weight, null, norm, stride, [before, before, after, after], 1, conv.Groups, input, ref shape);
        }

        private string EmitConv(Conv2d conv, BatchNorm2d? norm, string input, ref FeatureShape shape)
        {
            if (conv.padding_mode != PaddingModes.Zeros)
                throw new NotSupportedException($"Convolution padding mode {conv.padding_mode} is not exported (zeros only).");
            var stride = Pair(conv.stride, "stride");
            var dilation = Pair(conv.dilation, "dilation");
            if (stride.Item1 != stride.Item2 || dilation.Item1 != dilation.Item2)
                throw new NotSupportedException("Only square strides and dilations are exported.");
            var padding = conv.padding is { } p ? Pair(p, "padding") : throw new NotSupportedException("Convolutions with 'same'/'valid' padding modes are not exported.");
            return EmitFoldedConv("conv", conv.weight!, conv.bias, norm, stride.Item1,
                [padding.Item1, padding.Item2, padding.Item1, padding.Item2], dilation.Item1, conv.groups, input, ref shape);
        }

        private string EmitFoldedConv(string stem, Tensor weight, Tensor? bias, BatchNorm2d? norm, long stride, long[] pads,
            long dilation, long groups, string input, ref FeatureShape shape)
        {
            var w = weight.detach().to(ScalarType.Float64).cpu();
            var outChannels = w.shape[0];
            var kernelH = w.shape[2];
            var kernelW = w.shape[3];
            if (w.shape[1] * groups != shape.Channels)
                throw new InvalidDataException($"A convolution expects {w.shape[1] * groups} input channels, the graph has {shape.Channels}.");
            var b = bias is null ? torch.zeros(outChannels, ScalarType.Float64) : bias.detach().to(ScalarType.Float64).cpu();
            if (norm is not null)
            {
                // y = gamma (conv(x) + b - mean) / sqrt(var + eps) + beta, so scale the filters and fold the rest into the bias.
                var scale = norm.weight!.detach().to(ScalarType.Float64).cpu() / (norm.running_var!.detach().to(ScalarType.Float64).cpu() + norm.eps).sqrt();
                w = w * scale.reshape(outChannels, 1, 1, 1);
                b = (b - norm.running_mean!.detach().to(ScalarType.Float64).cpu()) * scale + norm.bias!.detach().to(ScalarType.Float64).cpu();
            }
            var weightName = graph.Initializer($"{stem}_weight", w.to(ScalarType.Float32).data<float>().ToArray(), outChannels, w.shape[1], kernelH, kernelW);
            var biasName = graph.Initializer($"{stem}_bias", b.to(ScalarType.Float32).data<float>().ToArray(), outChannels);
            var output = graph.Node("Conv", stem, [input, weightName, biasName],
                OnnxGraphBuilder.Ints("kernel_shape", kernelH, kernelW),
                OnnxGraphBuilder.Ints("strides", stride, stride),
                OnnxGraphBuilder.Ints("pads", pads),
                OnnxGraphBuilder.Ints("dilations", dilation, dilation),
                OnnxGraphBuilder.Int("group", groups));
            shape = new FeatureShape(outChannels,
                OutputSize(shape.Height, kernelH, stride, pads[0] + pads[2], dilation),
                OutputSize(shape.Width, kernelW, stride, pads[1] + pads[3], dilation));
            return output;
        }

        private string EmitMaxPool(MaxPool2d pool, string input, ref FeatureShape shape)
        {
            var kernel = Pair(pool.kernel_size, "kernel_size");
            var stride = pool.stride is { } s ? Pair(s, "stride") : kernel;
            var padding = pool.padding is { } p ? Pair(p, "padding") : (0L, 0L);
            var dilation = pool.dilation is { } d ? Pair(d, "dilation") : (1L, 1L);
            if (dilation != (1L, 1L)) throw new NotSupportedException("Dilated max-pooling is not exported.");
            if (pool.ceil_mode) throw new NotSupportedException("Max-pooling with ceil_mode is not exported.");
            var output = graph.Node("MaxPool", "maxpool", [input],
                OnnxGraphBuilder.Ints("kernel_shape", kernel.Item1, kernel.Item2),
                OnnxGraphBuilder.Ints("strides", stride.Item1, stride.Item2),
                OnnxGraphBuilder.Ints("pads", padding.Item1, padding.Item2, padding.Item1, padding.Item2));
            shape = shape with
            {
                Height = OutputSize(shape.Height, kernel.Item1, stride.Item1, 2 * padding.Item1, 1),
                Width = OutputSize(shape.Width, kernel.Item2, stride.Item2, 2 * padding.Item2, 1),
            };
            return output;
        }

        private static long OutputSize(long size, long kernel, long stride, long totalPadding, long dilation)
        {
            var result = (size + totalPadding - dilation * (kernel - 1) - 1) / stride + 1;
            if (result < 1) throw new ArgumentException($"The input is too small: a layer would produce a {result} pixel map.");
            return result;
        }

        private static (long, long) Pair(long[] values, string what) => values.Length switch
        {
            1 => (values[0], values[0]),
            2 => (values[0], values[1]),
            _ => throw new NotSupportedException($"A 2-D layer's {what} has {values.Length} values."),
        };
    }
}
