using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Inference.Models;

/// <summary>
/// A bare ONNX classifier: one float input [N,3,H,W] holding RGB values 0..255 (any normalisation lives inside the
/// graph, as in the exported networks and the MobileNetV2 backbone) and an output named <c>probabilities</c>
/// [N,labels] in <see cref="ModelCard.Labels"/> order. H and W come from the graph when fixed, else from the card.
/// </summary>
internal sealed class OnnxModel : LoadedModel
{
    /// <summary>The output every exported Malaria ONNX model must have.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The optional class activation output [N,labels,h,w] of exported networks.</summary>
    public const string CamOutput = "cam";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly bool _fixedBatchOfOne;
    private readonly bool _hasCam;

    private OnnxModel(ModelInfo info, InferenceSession session, string inputName, bool fixedBatchOfOne, bool hasCam) : base(info)
    {
        _session = session;
        _inputName = inputName;
        _fixedBatchOfOne = fixedBatchOfOne;
        _hasCam = hasCam;
    }

    public static OnnxModel Load(ModelInfo info, byte[] bytes)
    {
        InferenceSession session;
        try { session = new InferenceSession(bytes); }
        catch (OnnxRuntimeException ex) { throw new ModelLoadException(info.Path, $"not a readable ONNX graph ({ex.Message}).", ex); }
        try
        {
            if (session.InputMetadata.Count != 1)
                throw new ModelLoadException(info.Path, $"it has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); expected one image tensor [N,3,H,W].");
            var (inputName, input) = session.InputMetadata.First();
            var dims = input.Dimensions;
            if (input.ElementType != typeof(float) || dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
                throw new ModelLoadException(info.Path, $"its input '{inputName}' is {input.ElementType.Name}[{string.Join(",", dims)}]; expected float [N,3,H,W].");
            if ((dims[2] > 0 && dims[2] != info.InputHeight) || (dims[3] > 0 && dims[3] != info.InputWidth))
                throw new ModelLoadException(info.Path, $"its input '{inputName}' is [{string.Join(",", dims)}] but the model card says {info.InputWidth} x {info.InputHeight}.");
            if (!session.OutputMetadata.TryGetValue(ProbabilitiesOutput, out var output))
                throw new ModelLoadException(info.Path, $"it has no '{ProbabilitiesOutput}' output (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
            var outDims = output.Dimensions;
            if (output.ElementType != typeof(float) || outDims.Length != 2 || (outDims[1] > 0 && outDims[1] != info.Labels.Count))
                throw new ModelLoadException(info.Path, $"its '{ProbabilitiesOutput}' output is {output.ElementType.Name}[{string.Join(",", outDims)}]; expected float [N,{info.Labels.Count}] for labels {string.Join("/", info.Labels)}.");
            var hasCam = session.OutputMetadata.TryGetValue(CamOutput, out var cam) && cam.ElementType == typeof(float) && cam.Dimensions.Length == 4;
            return new OnnxModel(info, session, inputName, fixedBatchOfOne: dims[0] == 1, hasCam);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public override ScoringEngine CreateEngine() => new Engine(this);

    public override void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private sealed class Engine(OnnxModel model) : ScoringEngine
    {
        private readonly int _width = model.Info.InputWidth;
        private readonly int _height = model.Info.InputHeight;
        private float[] _buffer = [];

        public override float[] Score(MLImage image) => Run([image])[0];

        public override float[][] ScoreBatch(IReadOnlyList<MLImage> images)
        {
            if (!model._fixedBatchOfOne) return Run(images);
            // A graph exported with a fixed batch of one can only run image by image.
            var results = new float[images.Count][];
            for (var i = 0; i < results.Length; i++) results[i] = Run([images[i]])[0];
            return results;
        }

        public override bool CanExplain => model._hasCam;

        public override ClassActivation Explain(MLImage image)
        {
            if (!model._hasCam)
                throw new NotSupportedException($"Model '{model.Info.Path}' has no '{CamOutput}' output, so it cannot explain its predictions; export it with this project's trainer to get one.");
            using var input = Prepare([image]);
            using var outputs = model._session.Run(model._runOptions, [model._inputName], [input], [ProbabilitiesOutput, CamOutput]);
            var scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var shape = outputs[1].GetTensorTypeAndShape().Shape;
            return new ClassActivation(scores, outputs[1].GetTensorDataAsSpan<float>().ToArray(), (int)shape[2], (int)shape[3]);
        }

        private OrtValue Prepare(IReadOnlyList<MLImage> images)
        {
            var imageSize = 3 * _width * _height;
            var length = images.Count * imageSize;
            if (_buffer.Length < length) _buffer = new float[length];
            for (var i = 0; i < images.Count; i++)
                TensorPreprocessor.FillChw(images[i], _buffer.AsSpan(i * imageSize, imageSize), _width, _height);
            return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _buffer.AsMemory(0, length), [images.Count, 3, _height, _width]);
        }

        private float[][] Run(IReadOnlyList<MLImage> images)
        {
            using var input = Prepare(images);
            using var outputs = model._session.Run(model._runOptions, [model._inputName], [input], [ProbabilitiesOutput]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>();
            var labels = model.Info.Labels.Count;
            if (probabilities.Length != images.Count * labels)
                throw new InvalidOperationException($"Model '{model.Info.Path}' returned {probabilities.Length} probabilities for {images.Count} images x {labels} labels.");
            var results = new float[images.Count][];
            for (var i = 0; i < results.Length; i++) results[i] = probabilities.Slice(i * labels, labels).ToArray();
            return results;
        }

        public override void Dispose() => _buffer = [];
    }
}
