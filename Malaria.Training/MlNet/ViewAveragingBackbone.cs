using Google.Protobuf;
using Malaria.Training.Onnx;
using Malaria.Training.Onnx.Proto;

namespace Malaria.Training.MlNet;

/// <summary>
/// Test-time augmentation inside the model: rewrites the MobileNetV2 ONNX graph so that it puts the 8 rotations and
/// mirror images of each input through the backbone as one batch and returns the mean of their features. Input
/// (<c>input</c> [N,3,S,S]) and output (<c>features</c> [N,1280]) keep their names and shapes, so the wrapped graph
/// replaces the plain one in the ML.NET chain without any other change; ML.NET has no flip or rotate transform.
/// </summary>
public static class ViewAveragingBackbone
{
    private const string ViewFeatures = "tta_view_features";

    /// <summary>The wrapped model as ONNX bytes.</summary>
    public static byte[] Wrap(byte[] backboneOnnx)
    {
        ArgumentNullException.ThrowIfNull(backboneOnnx);
        // The generated classes cover a subset of the ONNX schema; fields outside it are kept as unknown fields and
        // written back as they were.
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(backboneOnnx); }
        catch (InvalidProtocolBufferException ex) { throw new InvalidDataException($"The backbone is not a valid ONNX model: {ex.Message}", ex); }
        var graph = model.Graph ?? throw new InvalidDataException("The ONNX file has no graph.");

        // The view stacking and the mean are the exporter's (OnnxViewAveraging), built on a graph of their own under a
        // prefix that keeps their names apart from the backbone's, then spliced in: the views before the backbone's
        // nodes, the mean after them.
        var views = new OnnxGraphBuilder("tta_");
        views.Reserve(ViewFeatures);
        var stacked = OnnxViewAveraging.StackViews(views, MobileNetV2Backbone.InputTensorName);
        var viewNodeCount = views.Graph.Node.Count;
        views.NodeTo("Identity", MobileNetV2Backbone.FeaturesTensorName, [OnnxViewAveraging.MeanOverViews(views, ViewFeatures, MobileNetV2Backbone.FeatureCount)]);

        // Feed the backbone's nodes the views instead of the input, and rename their per-view features output.
        var sawInput = false;
        var sawFeatures = false;
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] != MobileNetV2Backbone.InputTensorName) continue;
                node.Input[i] = stacked;
                sawInput = true;
            }
            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] != MobileNetV2Backbone.FeaturesTensorName) continue;
                node.Output[i] = ViewFeatures;
                sawFeatures = true;
            }
        }
        if (!sawInput || !sawFeatures)
            throw new InvalidDataException($"The backbone graph must read '{MobileNetV2Backbone.InputTensorName}' and produce '{MobileNetV2Backbone.FeaturesTensorName}'.");

        var backboneNodes = graph.Node.ToList();
        graph.Node.Clear();
        graph.Node.AddRange(views.Graph.Node.Take(viewNodeCount));
        graph.Node.AddRange(backboneNodes);
        graph.Node.AddRange(views.Graph.Node.Skip(viewNodeCount));
        graph.Initializer.AddRange(views.Graph.Initializer);
        // The outputs: the averaged features alone. The shape notes tie inner tensors to the input's batch N, which is
        // now 8N; ONNX Runtime infers them again.
        graph.Output.Clear();
        graph.Output.Add(OnnxGraphBuilder.FloatTensor(MobileNetV2Backbone.FeaturesTensorName, [null, MobileNetV2Backbone.FeatureCount]));
        graph.ValueInfo.Clear();
        return model.ToByteArray();
    }
}
