using BenchmarkDotNet.Attributes;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// The real model's shape (MobileNetV2 224 features + linear head) on a 130 x 130 cell: the pool against ML.NET's
/// PredictionEngine called directly on the same model zip, and against a raw ONNX Runtime session running the
/// backbone on tensors that were resized and converted beforehand (so it does no image work at all and skips the
/// 1280 x 2 head: it is the floor the other two cannot beat). The backbone is also served as a bare .onnx classifier
/// through the pool (its 1001 ImageNet probabilities as labels), which resizes in C# and runs ORT batches.
/// </summary>
[BenchmarkCategory("MobileNetV2")]
public class MobileNetV2Benchmarks
{
    private const int BatchSize = 32;
    private const int InputSize = 224;
    private string _folder = "";
    private MalariaPredictionEnginePool _pool = null!;
    private MalariaPredictionEnginePool _onnxPool = null!;
    private MLContext _context = null!;
    private ITransformer _transformer = null!;
    private PredictionEngine<DirectInput, DirectOutput> _engine = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private MLImage _image = null!;
    private MLImage[] _batch = [];
    private float[] _tensor = [];
    private float[] _batchTensor = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"malaria-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        // MALARIA_MODEL: benchmark a trained model.zip (e.g. artifacts/RUN/model.zip) instead of the one built here.
        var path = Environment.GetEnvironmentVariable("MALARIA_MODEL") is { Length: > 0 } trained ? trained : BenchmarkModels.Write(_folder, mobileNet: true);
        _pool = new MalariaPredictionEnginePool(new Malaria.Inference.MalariaClassifierOptions { BatchSize = BatchSize }).FromFile("cells", path);
        // The backbone itself as a bare ONNX classifier (its 1001 ImageNet probabilities): the library's ORT path.
        var onnxPath = Path.Combine(_folder, "onnx", "mobilenetv2.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(onnxPath)!);
        File.Copy(BenchmarkModels.MobileNetV2Onnx(), onnxPath);
        new Malaria.Inference.ModelCard { Labels = Enumerable.Range(0, 1001).Select(i => $"imagenet-{i}").ToArray(), PositiveLabel = "imagenet-0", InputWidth = InputSize, InputHeight = InputSize }
            .Save(Malaria.Inference.ModelCard.PathBeside(onnxPath));
        _onnxPool = new MalariaPredictionEnginePool(new Malaria.Inference.MalariaClassifierOptions { BatchSize = BatchSize }).FromFile("imagenet", onnxPath);
        _context = new MLContext(seed: 1);
        _transformer = _context.Model.Load(path, out _);
        _engine = _context.Model.CreatePredictionEngine<DirectInput, DirectOutput>(_transformer);
        _session = new InferenceSession(BenchmarkModels.MobileNetV2Onnx());
        _runOptions = new RunOptions();
        _image = BenchmarkImages.Create(red: true, seed: 1);
        _batch = BenchmarkImages.CreateBatch(BatchSize);
        var plane = 3 * InputSize * InputSize;
        _tensor = new float[plane];
        TensorPreprocessor.FillChw(_image, _tensor, InputSize, InputSize);
        _batchTensor = new float[BatchSize * plane];
        for (var i = 0; i < BatchSize; i++) TensorPreprocessor.FillChw(_batch[i], _batchTensor.AsSpan(i * plane, plane), InputSize, InputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _onnxPool.Dispose();
        _engine.Dispose();
        (_transformer as IDisposable)?.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _image.Dispose();
        foreach (var image in _batch) image.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "1 image: ML.NET PredictionEngine")]
    [BenchmarkCategory("single")]
    public float SingleEngine() => _engine.Predict(new DirectInput { Image = _image }).Score![0];

    [Benchmark(Description = "1 image: pool.Predict")]
    [BenchmarkCategory("single")]
    public float SinglePool() => _pool.Classify("cells", _image).Confidence;

    [Benchmark(Description = "1 image: raw ORT on ready tensor")]
    [BenchmarkCategory("single")]
    public float SingleOnnxRuntime() => RunOrt(_tensor, 1);

    [Benchmark(Description = "1 image: pool.Predict, bare .onnx")]
    [BenchmarkCategory("single")]
    public float SingleOnnxPool() => _onnxPool.Classify("imagenet", _image).Confidence;

    [Benchmark(Baseline = true, Description = "32 images: PredictionEngine loop")]
    [BenchmarkCategory("batch32")]
    public float BatchEngine()
    {
        var sum = 0f;
        foreach (var image in _batch) sum += _engine.Predict(new DirectInput { Image = image }).Score![0];
        return sum;
    }

    [Benchmark(Description = "32 images: pool.ClassifyBatch")]
    [BenchmarkCategory("batch32")]
    public float BatchPool() => _pool.ClassifyBatch("cells", _batch).Sum(p => p.Confidence);

    [Benchmark(Description = "32 images: raw ORT [32,3,224,224]")]
    [BenchmarkCategory("batch32")]
    public float BatchOnnxRuntime() => RunOrt(_batchTensor, BatchSize);

    [Benchmark(Description = "32 images: pool.ClassifyBatch, bare .onnx")]
    [BenchmarkCategory("batch32")]
    public float BatchOnnxPool() => _onnxPool.ClassifyBatch("imagenet", _batch).Sum(p => p.Confidence);

    private float RunOrt(float[] tensor, int count)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [count, 3, InputSize, InputSize]);
        using var outputs = _session.Run(_runOptions, ["input"], [input], ["features"]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
