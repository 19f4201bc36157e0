using Google.Protobuf;
using Malaria.Training.Onnx;
using static Malaria.Training.MlNet.ProtobufFields;

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
        var model = Read(backboneOnnx);
        var graphIndex = model.FindIndex(f => f.Number == 7 && f.WireType == 2);
        if (graphIndex < 0) throw new InvalidDataException("The ONNX file has no graph.");

        // The view stacking and the mean are the exporter's (OnnxViewAveraging), built on a graph of their own under a
        // prefix that keeps their names apart from the backbone's, then spliced in: the views before the backbone's
        // nodes, the mean after them.
        var views = new OnnxGraphBuilder("tta_");
        views.Reserve(ViewFeatures);
        var stacked = OnnxViewAveraging.StackViews(views, MobileNetV2Backbone.InputTensorName);
        var viewNodeCount = views.Graph.Node.Count;
        views.NodeTo("Identity", MobileNetV2Backbone.FeaturesTensorName, [OnnxViewAveraging.MeanOverViews(views, ViewFeatures, MobileNetV2Backbone.FeatureCount)]);

        var graph = Read(model[graphIndex].Bytes);
        var nodes = new List<Field>();
        var rest = new List<Field>();
        var sawInput = false;
        var sawFeatures = false;
        foreach (var field in graph)
        {
            switch (field.Number)
            {
                case 1:  // node: feed it the views instead of the input, and rename its per-view features output
                    var node = Read(field.Bytes);
                    var renamed = node.Select(f =>
                        f.Number == 1 && f.Text == MobileNetV2Backbone.InputTensorName ? Rename(f, stacked, ref sawInput)
                        : f.Number == 2 && f.Text == MobileNetV2Backbone.FeaturesTensorName ? Rename(f, ViewFeatures, ref sawFeatures)
                        : f).ToList();
                    nodes.Add(Message(1, renamed));
                    break;
                case 12:  // graph outputs: replaced by the averaged features alone
                    break;
                case 13:  // shape notes: they tie inner tensors to the input's batch N, which is now 8N; ONNX Runtime re-infers them
                    break;
                default:
                    rest.Add(field);
                    break;
            }
        }
        if (!sawInput || !sawFeatures)
            throw new InvalidDataException($"The backbone graph must read '{MobileNetV2Backbone.InputTensorName}' and produce '{MobileNetV2Backbone.FeaturesTensorName}'.");

        var newGraph = new List<Field>();
        newGraph.AddRange(views.Graph.Node.Take(viewNodeCount).Select(n => Bytes(1, n.ToByteArray())));
        newGraph.AddRange(nodes);
        newGraph.AddRange(views.Graph.Node.Skip(viewNodeCount).Select(n => Bytes(1, n.ToByteArray())));
        newGraph.AddRange(rest);
        newGraph.AddRange(views.Graph.Initializer.Select(t => Bytes(5, t.ToByteArray())));
        newGraph.Add(Message(12, [Text(1, MobileNetV2Backbone.FeaturesTensorName), FloatTensorType("N", MobileNetV2Backbone.FeatureCount)]));

        model[graphIndex] = Message(7, newGraph);
        return Write(model);
    }

    private static Field Rename(Field field, string name, ref bool seen)
    {
        seen = true;
        return Text(field.Number, name);
    }

    // TypeProto { tensor_type 1 { elem_type 1 (FLOAT = 1), shape 2 { dim 1 { dim_param 2 | dim_value 1 } } } }.
    private static Field FloatTensorType(string batch, int features) =>
        Message(2, [Message(1, [Varint(1, 1), Message(2, [Message(1, [Text(2, batch)]), Message(1, [Varint(1, features)])])])]);
}
