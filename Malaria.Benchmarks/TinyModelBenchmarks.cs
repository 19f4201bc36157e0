using BenchmarkDotNet.Attributes;
using Malaria.Inference.Pooling;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Malaria.Benchmarks;

/// <summary>
/// A 16 x 16 linear model, where scoring costs microseconds: the pool's own work (lookup, generation reference,
/// engine rent and return, result object) is the largest share it can ever be. Compared with ML.NET's
/// PredictionEngine called directly on the same zip.
/// </summary>
[BenchmarkCategory("Tiny")]
public class TinyModelBenchmarks
{
    private const int BatchSize = 32;
    private string _folder = "";
    private MalariaPredictionEnginePool _pool = null!;
    private ITransformer _transformer = null!;
    private PredictionEngine<DirectInput, DirectOutput> _engine = null!;
    private MLImage _image = null!;
    private MLImage[] _batch = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"malaria-bench-{Guid.NewGuid():N}");
        var path = BenchmarkModels.Write(_folder, mobileNet: false);
        _pool = new MalariaPredictionEnginePool(new Malaria.Inference.MalariaClassifierOptions { BatchSize = BatchSize }).FromFile("cells", path);
        var context = new MLContext(seed: 1);
        _transformer = context.Model.Load(path, out _);
        _engine = context.Model.CreatePredictionEngine<DirectInput, DirectOutput>(_transformer);
        _image = BenchmarkImages.Create(red: true, seed: 1);
        _batch = BenchmarkImages.CreateBatch(BatchSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _engine.Dispose();
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
}
