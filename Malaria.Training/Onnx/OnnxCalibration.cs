using Google.Protobuf;
using Malaria.Training.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Training.Onnx;

/// <summary>
/// Measures the range of intermediate tensors of a float graph over calibration inputs: a copy of the graph lists the
/// tensors as extra outputs, ONNX Runtime runs it batch by batch, and each tensor keeps its overall minimum and
/// maximum. Min/max rather than a percentile: the graphs quantised here are ReLU networks whose largest activations
/// are the evidence itself (a parasite's strongest response), so clipping them would cost exactly the cells that
/// matter, while 8-bit resolution is ample below the maximum; the cross-validated accuracy check decides whether that
/// holds for a given model.
/// </summary>
internal static class OnnxCalibration
{
    /// <param name="model">The float graph (not changed).</param>
    /// <param name="tensors">Names of the tensors to measure (<see cref="OnnxQuantizationPlan.CalibrationTensors"/>).</param>
    /// <param name="batches">Inputs for the graph's one input: values and shape, e.g. [N,3,S,S].</param>
    /// <param name="progress">Told the number of batches run so far.</param>
    public static Dictionary<string, ActivationRange> Measure(ModelProto model, IReadOnlyList<string> tensors,
        IEnumerable<(float[] Values, long[] Shape)> batches, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(batches);
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new InvalidDataException($"Calibration feeds graphs with one input; this one has {inputs.Count} ({string.Join(", ", inputs.Select(i => i.Name))}).");

        var probe = model.Clone();
        foreach (var tensor in tensors.Where(t => probe.Graph.Output.All(o => o.Name != t)))
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });

        var ranges = new Dictionary<string, ActivationRange>(StringComparer.Ordinal);
        using var session = new InferenceSession(probe.ToByteArray());
        using var runOptions = new RunOptions();
        var count = 0;
        foreach (var (values, shape) in batches)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(values, shape);
            using var outputs = session.Run(runOptions, [inputs[0].Name], [input], [.. tensors]);
            for (var i = 0; i < tensors.Count; i++)
            {
                var range = ActivationRange.Of(outputs[i].GetTensorDataAsSpan<float>(), tensors[i]);
                ranges[tensors[i]] = ranges.TryGetValue(tensors[i], out var seen) ? seen.Union(range) : range;
            }
            count++;
            progress?.Report(count);
        }
        if (count == 0) throw new ArgumentException("Calibration needs at least one batch of inputs.", nameof(batches));
        return ranges;
    }
}
