using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Inference.Models;

/// <summary>An ML.NET model zip following <see cref="ModelColumns"/>, checked against its card when loaded.</summary>
internal sealed class MlNetModel : LoadedModel
{
    private readonly MLContext _context;
    private readonly ITransformer _transformer;
    private readonly SchemaDefinition _inputDefinition;
    private readonly DataViewSchema _inputSchema;
    private readonly (int Height, int Width)? _camShape;

    private MlNetModel(ModelInfo info, MLContext context, ITransformer transformer, SchemaDefinition inputDefinition, DataViewSchema inputSchema,
        (int Height, int Width)? camShape)
        : base(info)
    {
        _context = context;
        _transformer = transformer;
        _inputDefinition = inputDefinition;
        _inputSchema = inputSchema;
        _camShape = camShape;
    }

    public static MlNetModel Load(ModelInfo info, byte[] bytes)
    {
        var context = new MLContext(seed: 0);
        // Zips wrapping an exported ONNX classifier derive PredictedLabel with this custom mapping.
        ScoreArgMaxMapping.Register(context);
        ITransformer transformer;
        DataViewSchema savedSchema;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            transformer = context.Model.Load(stream, out savedSchema);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or FormatException or ArgumentException or IOException or NotSupportedException)
        {
            throw new ModelLoadException(info.Path, $"not a readable ML.NET model zip ({ex.Message}).", ex);
        }

        try
        {
            // ML.NET cannot save the schema of an image column, so zips with an MLImage input are usually saved
            // without an input schema; when one is present its Image column must be an image.
            var definition = SchemaDefinition.Create(typeof(ImageRow), SchemaDefinition.Direction.Read);
            var imageColumn = savedSchema?.GetColumnOrNull(ModelColumns.Image);
            if (imageColumn is { } saved)
            {
                if (saved.Type is not ImageDataViewType)
                    throw new ModelLoadException(info.Path, $"its input column '{ModelColumns.Image}' is {saved.Type}, not an image.");
                definition[ModelColumns.Image].ColumnType = saved.Type;
            }
            var inputSchema = context.Data.LoadFromEnumerable(Array.Empty<ImageRow>(), definition).Schema;
            DataViewSchema output;
            try { output = transformer.GetOutputSchema(inputSchema); }
            catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException or ArgumentException)
            {
                throw new ModelLoadException(info.Path, $"it cannot score from the '{ModelColumns.Image}' column alone: {ex.Message}", ex);
            }
            CheckScoreColumn(info, output);
            return new MlNetModel(info, context, transformer, definition, inputSchema, CamShape(info, output));
        }
        catch
        {
            (transformer as IDisposable)?.Dispose();
            throw;
        }
    }

    private static void CheckScoreColumn(ModelInfo info, DataViewSchema output)
    {
        var labels = info.Labels;
        var score = output.GetColumnOrNull(ModelColumns.Score)
            ?? throw new ModelLoadException(info.Path, $"its output has no '{ModelColumns.Score}' column.");
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.ItemType.RawType != typeof(float))
            throw new ModelLoadException(info.Path, $"its '{ModelColumns.Score}' column is {score.Type}, not a vector of Single.");
        if (vector.Size != 0 && vector.Size != labels.Count)
            throw new ModelLoadException(info.Path, $"its '{ModelColumns.Score}' column has {vector.Size} values but the model card lists {labels.Count} labels.");

        // When the trainer recorded the label of each score slot, it must agree with the card's order.
        if (score.HasSlotNames())
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            score.GetSlotNames(ref names);
            var slotNames = names.DenseValues().Select(n => n.ToString()).ToArray();
            if (slotNames.Length == labels.Count && !slotNames.SequenceEqual(labels, StringComparer.Ordinal))
                throw new ModelLoadException(info.Path,
                    $"its scores are for labels [{string.Join(", ", slotNames)}] but the model card says [{string.Join(", ", labels)}].");
        }
    }

    /// <summary>The map size of the optional <see cref="ModelColumns.Cam"/> column, [1, labels, h, w]; null without one.</summary>
    private static (int Height, int Width)? CamShape(ModelInfo info, DataViewSchema output)
    {
        if (output.GetColumnOrNull(ModelColumns.Cam) is not { Type: VectorDataViewType { ItemType: NumberDataViewType } cam } || cam.ItemType.RawType != typeof(float))
            return null;
        var dims = cam.Dimensions;
        return dims.Length >= 3 && dims[^3] == info.Labels.Count && dims[^2] > 0 && dims[^1] > 0 ? (dims[^2], dims[^1]) : null;
    }

    public override ScoringEngine CreateEngine() => new Engine(this);

    public override void Dispose() => (_transformer as IDisposable)?.Dispose();

    /// <summary>The input row: just the decoded image.</summary>
    internal sealed class ImageRow
    {
        [ColumnName(ModelColumns.Image)]
        [ImageType(1, 1)]  // placeholder: replaced by the type the zip was saved with
        public MLImage? Image { get; set; }
    }

    /// <summary>The rows of the batch being scored; read anew by every cursor over the engine's scored view.</summary>
    private sealed class BatchSource : IEnumerable<ImageRow>
    {
        public ImageRow[] Rows { get; set; } = [];

        public IEnumerator<ImageRow> GetEnumerator() => ((IEnumerable<ImageRow>)Rows).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The output row: the score vector.</summary>
    internal sealed class ScoreRow
    {
        [ColumnName(ModelColumns.Score)]
        public float[]? Score { get; set; }
    }

    /// <summary>The output row of an explanation: scores and the flattened class activation maps.</summary>
    internal sealed class CamRow
    {
        [ColumnName(ModelColumns.Score)]
        public float[]? Score { get; set; }

        [ColumnName(ModelColumns.Cam)]
        public float[]? Cam { get; set; }
    }

    private sealed class Engine : ScoringEngine
    {
        private readonly MlNetModel _model;
        private readonly PredictionEngine<ImageRow, ScoreRow> _engine;
        private readonly ImageRow _input = new();
        private ScoreRow _output = new();
        private readonly BatchSource _batchSource = new();
        private readonly IDataView _batchScored;
        private readonly DataViewSchema.Column _batchScoreColumn;

        public Engine(MlNetModel model)
        {
            _model = model;
            _engine = model._context.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model._transformer, model._inputSchema);
            // Binding the pipeline to a data view is the costly part of an IDataView batch: do it once per engine.
            _batchScored = model._transformer.Transform(model._context.Data.LoadFromEnumerable(_batchSource, model._inputDefinition));
            _batchScoreColumn = _batchScored.Schema[ModelColumns.Score];
        }

        public override float[] Score(MLImage image, int views) => views == 1 ? ScoreOne(image) : ScoreBatch([image], views)[0];

        private float[] ScoreOne(MLImage image)
        {
            var owned = ProtectFromResize(image);
            _input.Image = owned ?? image;
            try
            {
                _engine.Predict(_input, ref _output);
                return Copy(_output.Score);
            }
            finally
            {
                _input.Image = null;
                owned?.Dispose();
            }
        }

        /// <summary>
        /// ML.NET's ResizeImages passes an image that already has the target size through as its output and disposes
        /// that output on the next row, which would dispose the caller's image. Such images get a private copy.
        /// </summary>
        private MLImage? ProtectFromResize(MLImage image) =>
            image.Width == _model.Info.InputWidth && image.Height == _model.Info.InputHeight
                ? MLImage.CreateFromPixels(image.Width, image.Height, image.PixelFormat, image.Pixels)
                : null;

        /// <summary>
        /// With views, each image's views are scored as images in one batch, and averaged as log-probabilities (the
        /// zip outputs no logits; the softmax of their mean equals that of the mean logits).
        /// </summary>
        public override float[][] ScoreBatch(IReadOnlyList<MLImage> images, int views)
        {
            if (views == 1) return ScoreImages(images);
            var expanded = new List<MLImage>(images.Count * views);
            try
            {
                foreach (var image in images) expanded.AddRange(DihedralViews.ImagesOf(image));
                var scored = ScoreImages(expanded);
                var labels = _model.Info.Labels.Count;
                var results = new float[images.Count][];
                var rows = new float[views * labels];
                for (var i = 0; i < results.Length; i++)
                {
                    for (var v = 0; v < views; v++) CheckedScores(scored[i * views + v]).CopyTo(rows, v * labels);
                    DihedralViews.LogOf(rows);
                    results[i] = DihedralViews.MeanScores(rows, labels);
                }
                return results;
            }
            finally
            {
                foreach (var image in expanded) image.Dispose();
            }
        }

        private float[][] ScoreImages(IReadOnlyList<MLImage> images)
        {
            // One cursor over the whole batch, not a PredictionEngine call per image.
            var rows = new ImageRow[images.Count];
            var owned = new MLImage?[images.Count];
            for (var i = 0; i < rows.Length; i++)
            {
                owned[i] = ProtectFromResize(images[i]);
                rows[i] = new ImageRow { Image = owned[i] ?? images[i] };
            }
            try { return ScoreRows(rows); }
            finally
            {
                foreach (var image in owned) image?.Dispose();
            }
        }

        private float[][] ScoreRows(ImageRow[] rows)
        {
            // The scored view was built once for this engine; each batch only swaps the rows it reads and opens a cursor.
            _batchSource.Rows = rows;
            try
            {
                var results = new float[rows.Length][];
                using var cursor = _batchScored.GetRowCursor([_batchScoreColumn]);
                var getter = cursor.GetGetter<VBuffer<float>>(_batchScoreColumn);
                VBuffer<float> buffer = default;
                var index = 0;
                while (cursor.MoveNext())
                {
                    if (index == rows.Length) throw new InvalidOperationException($"The model returned more rows than the {rows.Length} images.");
                    getter(ref buffer);
                    results[index++] = buffer.DenseValues().ToArray();
                }
                if (index != rows.Length) throw new InvalidOperationException($"The model returned {index} rows for {rows.Length} images.");
                return results;
            }
            finally { _batchSource.Rows = []; }
        }

        private float[] CheckedScores(float[] score) => score.Length == _model.Info.Labels.Count ? score
            : throw new InvalidOperationException($"Model '{_model.Info.Path}' returned {score.Length} scores for {_model.Info.Labels.Count} labels.");

        private float[] Copy(float[]? score) => (float[])CheckedScores(score ?? []).Clone();

        private PredictionEngine<ImageRow, CamRow>? _camEngine;

        public override bool CanExplain => _model._camShape is not null;

        public override ClassActivation Explain(MLImage image, int views)
        {
            if (_model._camShape is not { } shape)
                throw new NotSupportedException($"Model '{_model.Info.Path}' has no '{ModelColumns.Cam}' column, so it cannot explain its predictions; only networks exported by this project's trainer have one.");
            if (views == 1) return ExplainOne(image, shape);
            if (shape.Height != shape.Width) throw new NotSupportedException($"Model '{_model.Info.Path}' has {shape.Height} x {shape.Width} maps; views need square ones.");
            // The zip's maps are already rectified: the views' Grad-CAM maps are averaged as they are.
            var labels = _model.Info.Labels.Count;
            var viewImages = DihedralViews.ImagesOf(image);
            try
            {
                var logProbabilities = new float[views * labels];
                var maps = new float[views * labels * shape.Height * shape.Width];
                for (var v = 0; v < views; v++)
                {
                    var one = ExplainOne(viewImages[v], shape);
                    one.Scores.CopyTo(logProbabilities, v * labels);
                    one.Maps.CopyTo(maps, v * one.Maps.Length);
                }
                DihedralViews.LogOf(logProbabilities);
                return new ClassActivation(DihedralViews.MeanScores(logProbabilities, labels),
                    DihedralViews.MeanOfAlignedMaps(maps, labels, shape.Height, rectify: false), shape.Height, shape.Width);
            }
            finally
            {
                foreach (var view in viewImages) view.Dispose();
            }
        }

        private ClassActivation ExplainOne(MLImage image, (int Height, int Width) shape)
        {
            // Built on first use: most engines only ever classify.
            _camEngine ??= _model._context.Model.CreatePredictionEngine<ImageRow, CamRow>(_model._transformer, _model._inputSchema);
            var owned = ProtectFromResize(image);
            var input = new ImageRow { Image = owned ?? image };
            try
            {
                var row = _camEngine.Predict(input);
                var cam = row.Cam ?? [];
                if (cam.Length != _model.Info.Labels.Count * shape.Height * shape.Width)
                    throw new InvalidOperationException($"Model '{_model.Info.Path}' returned {cam.Length} activation values; expected {_model.Info.Labels.Count} x {shape.Height} x {shape.Width}.");
                return new ClassActivation(Copy(row.Score), cam, shape.Height, shape.Width);
            }
            finally { owned?.Dispose(); }
        }

        public override void Dispose()
        {
            _engine.Dispose();
            _camEngine?.Dispose();
        }
    }
}
