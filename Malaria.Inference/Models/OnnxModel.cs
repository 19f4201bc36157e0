using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Inference.Models;

/// <summary>
/// A bare ONNX classifier: one float input [N,3,H,W] holding RGB values 0..255 (any normalisation lives inside the
/// graph, as in the exported networks and the MobileNetV2 backbone) and an output named <c>probabilities</c>
/// [N,labels] in <see cref="ModelCard.Labels"/> order. H and W come from the graph when fixed, else from the card.
/// Optional outputs: <c>logits</c> (averaged over views when the library builds them), <c>cam</c> (Grad-CAM maps)
/// and <c>cam_pre_relu</c> (the same before the Relu, so averaged views give Grad-CAM of the averaged logit exactly).
/// </summary>
internal sealed class OnnxModel : LoadedModel
{
    /// <summary>The output every exported Malaria ONNX model must have.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The optional logits output [N,labels]: what views are averaged over when the graph has it.</summary>
    public const string LogitsOutput = "logits";

    /// <summary>The optional class activation output [N,labels,h,w] of exported networks.</summary>
    public const string CamOutput = "cam";

    /// <summary>The optional class activation maps before Grad-CAM's Relu, [N,labels,h,w]: averaged over views, then rectified.</summary>
    public const string CamPreReluOutput = "cam_pre_relu";

    /// <summary>
    /// The most rows (images x views) one ONNX Runtime run takes: the batch size the runtime floor was measured at
    /// (docs/inference-benchmarks.md). A batch of 32 images scored with 8 views is 256 rows, run as four runs.
    /// </summary>
    internal const int RowsPerRun = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly bool _fixedBatchOfOne;
    private readonly bool _hasCam;
    private readonly bool _hasLogits;
    private readonly bool _hasCamPreRelu;

    private OnnxModel(ModelInfo info, InferenceSession session, string inputName, bool fixedBatchOfOne, bool hasCam, bool hasLogits, bool hasCamPreRelu) : base(info)
    {
        _session = session;
        _inputName = inputName;
        _fixedBatchOfOne = fixedBatchOfOne;
        _hasCam = hasCam;
        _hasLogits = hasLogits;
        _hasCamPreRelu = hasCamPreRelu;
    }

    public static OnnxModel Load(ModelInfo info, byte[] bytes, int intraOpThreads = 1)
    {
        InferenceSession session;
        try
        {
            using var options = OnnxSessionSettings.Create(intraOpThreads);
            session = new InferenceSession(bytes, options);
        }
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
            var hasCam = IsMapOutput(session, CamOutput);
            var hasLogits = session.OutputMetadata.TryGetValue(LogitsOutput, out var logits) && logits.ElementType == typeof(float) && logits.Dimensions.Length == 2;
            return new OnnxModel(info, session, inputName, fixedBatchOfOne: dims[0] == 1, hasCam, hasLogits, hasCam && IsMapOutput(session, CamPreReluOutput));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static bool IsMapOutput(InferenceSession session, string name) =>
        session.OutputMetadata.TryGetValue(name, out var map) && map.ElementType == typeof(float) && map.Dimensions.Length == 4;

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
        private readonly int _labels = model.Info.Labels.Count;
        private float[] _buffer = [];
        private float[] _upright = [];

        // One image, one view (the common call): input and output tensors made once per engine over its own arrays,
        // so a call allocates nothing in ONNX Runtime and copies no more than the tensor fill and the scores.
        private readonly string[] _inputNames = [model._inputName];
        private static readonly string[] ProbabilitiesOnly = [ProbabilitiesOutput];
        private float[] _singleInput = [];
        private float[] _singleOutput = [];
        private OrtValue? _singleInputValue;
        private OrtValue? _singleOutputValue;

        public override float[] Score(MLImage image, int views)
        {
            if (views != 1) return ScoreBatch([image], views)[0];
            if (_singleInputValue is null)
            {
                _singleInput = new float[3 * _width * _height];
                _singleOutput = new float[_labels];
                _singleInputValue = OrtValue.CreateTensorValueFromMemory(_singleInput, [1, 3, _height, _width]);
                _singleOutputValue = OrtValue.CreateTensorValueFromMemory(_singleOutput, [1, _labels]);
            }
            TensorPreprocessor.FillChw(image, _singleInput, _width, _height);
            model._session.Run(model._runOptions, _inputNames, [_singleInputValue], ProbabilitiesOnly, [_singleOutputValue!]);
            return (float[])_singleOutput.Clone();
        }

        public override float[][] ScoreBatch(IReadOnlyList<MLImage> images, int views)
        {
            var rows = Prepare(images, views);
            // Averaging needs the logits (or log-probabilities, equivalent after the softmax); one view reads the probabilities as they are.
            var output = views > 1 && model._hasLogits ? LogitsOutput : ProbabilitiesOutput;
            var values = Run(rows, [output])[0];
            if (values.Length != rows * _labels)
                throw new InvalidOperationException($"Model '{model.Info.Path}' returned {values.Length} values of '{output}' for {rows} images x {_labels} labels.");
            var results = new float[images.Count][];
            if (views == 1)
            {
                for (var i = 0; i < results.Length; i++) results[i] = values.AsSpan(i * _labels, _labels).ToArray();
                return results;
            }
            if (output == ProbabilitiesOutput) DihedralViews.LogOf(values);
            for (var i = 0; i < results.Length; i++) results[i] = DihedralViews.MeanScores(values.AsSpan(i * views * _labels, views * _labels), _labels);
            return results;
        }

        public override bool CanExplain => model._hasCam;

        public override ClassActivation Explain(MLImage image, int views)
        {
            if (!model._hasCam)
                throw new NotSupportedException($"Model '{model.Info.Path}' has no '{CamOutput}' output, so it cannot explain its predictions; export it with this project's trainer to get one.");
            var rows = Prepare([image], views);
            if (views == 1)
            {
                var (scores, maps, height, width) = RunMaps(rows, ProbabilitiesOutput, CamOutput);
                return new ClassActivation(scores, maps, height, width);
            }
            var scoreOutput = model._hasLogits ? LogitsOutput : ProbabilitiesOutput;
            // Grad-CAM of the averaged logit is the Relu of the averaged maps taken before their Relu; a graph without
            // those gets the mean of its views' (rectified) maps instead.
            var mapOutput = model._hasCamPreRelu ? CamPreReluOutput : CamOutput;
            var (values, viewMaps, mapHeight, mapWidth) = RunMaps(rows, scoreOutput, mapOutput);
            if (mapHeight != mapWidth) throw new NotSupportedException($"Model '{model.Info.Path}' has {mapHeight} x {mapWidth} maps; views need square ones.");
            if (scoreOutput == ProbabilitiesOutput) DihedralViews.LogOf(values);
            return new ClassActivation(DihedralViews.MeanScores(values, _labels),
                DihedralViews.MeanOfAlignedMaps(viewMaps, _labels, mapHeight, rectify: mapOutput == CamPreReluOutput), mapHeight, mapWidth);
        }

        private (float[] Scores, float[] Maps, int Height, int Width) RunMaps(int rows, string scoreOutput, string mapOutput)
        {
            var (values, shape) = RunWithShape(rows, scoreOutput, mapOutput);
            return (values[0], values[1], (int)shape[2], (int)shape[3]);
        }

        /// <summary>
        /// Fills the input buffer with each image resized to the input size, or with its <paramref name="views"/>
        /// views one after another; returns the number of rows.
        /// </summary>
        private int Prepare(IReadOnlyList<MLImage> images, int views)
        {
            if (views > 1 && _width != _height)
                throw new NotSupportedException($"Model '{model.Info.Path}' takes {_width} x {_height} inputs; scoring views needs a square input.");
            var imageSize = 3 * _width * _height;
            var rows = images.Count * views;
            if (_buffer.Length < rows * imageSize) _buffer = new float[rows * imageSize];
            if (views > 1 && _upright.Length != imageSize) _upright = new float[imageSize];
            for (var i = 0; i < images.Count; i++)
            {
                if (views == 1)
                {
                    TensorPreprocessor.FillChw(images[i], _buffer.AsSpan(i * imageSize, imageSize), _width, _height);
                    continue;
                }
                TensorPreprocessor.FillChw(images[i], _upright, _width, _height);
                DihedralViews.Fill(_upright, _buffer.AsSpan(i * views * imageSize, views * imageSize), 3, _width);
            }
            return rows;
        }

        private float[][] Run(int rows, string[] outputs) => RunWithShape(rows, outputs).Values;

        /// <summary>Runs the first <paramref name="rows"/> rows of the buffer; returns each output flattened, and the shape of the last one.</summary>
        private (float[][] Values, long[] LastShape) RunWithShape(int rows, params string[] outputs)
        {
            var imageSize = 3 * _width * _height;
            // A graph exported with a fixed batch of one can only run image by image; others run at most RowsPerRun rows
            // at a time, so 8 views of a whole batch do not become one run whose activations outgrow the CPU's caches.
            var perRun = model._fixedBatchOfOne ? 1 : Math.Min(rows, RowsPerRun);
            var values = new float[outputs.Length][];
            var perRow = new int[outputs.Length];
            long[] lastShape = [];
            for (var first = 0; first < rows; first += perRun)
            {
                var count = Math.Min(perRun, rows - first);
                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    _buffer.AsMemory(first * imageSize, count * imageSize), [count, 3, _height, _width]);
                using var results = model._session.Run(model._runOptions, [model._inputName], [input], outputs);
                for (var o = 0; o < outputs.Length; o++)
                {
                    var data = results[o].GetTensorDataAsSpan<float>();
                    if (values[o] is null && data.Length % count == 0)
                    {
                        perRow[o] = data.Length / count;
                        values[o] = new float[perRow[o] * rows];
                    }
                    if (values[o] is null || data.Length != perRow[o] * count)
                        throw new InvalidOperationException($"Model '{model.Info.Path}' returned {data.Length} values of '{outputs[o]}' for {count} rows, not the same number per row as the rest of the batch.");
                    data.CopyTo(values[o].AsSpan(first * perRow[o]));
                }
                lastShape = results[outputs.Length - 1].GetTensorTypeAndShape().Shape;
            }
            return (values, lastShape);
        }

        public override void Dispose()
        {
            _singleInputValue?.Dispose();
            _singleOutputValue?.Dispose();
            _buffer = [];
            _upright = [];
        }
    }
}
