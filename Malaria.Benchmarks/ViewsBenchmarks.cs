using BenchmarkDotNet.Attributes;
using Malaria.Inference;
using Malaria.Inference.Pooling;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// Views and batches through the pool: a one-view CNN of the shipped architecture (<c>OneViewCnn/</c>) scored with one
/// view and with the library's 8 views, against the built-in model as the library scores it by default (its graph
/// scores one view; models exported before 2026-12-02 averaged 8 inside it); one
/// image decoded and from a PNG file; 256 PNG files through <c>ClassifyBatch(paths)</c> decoded on one thread and on
/// every core; and raw ONNX Runtime on a ready [64,3,64,64] tensor, the floor under any batch.
/// </summary>
[BenchmarkCategory("Views")]
public class ViewsBenchmarks
{
    public const string OneView = "cnn-one-view";
    public const string GraphViews = "default-8-views-in-graph";
    private const int Files = 256;
    private const int RawBatch = 64;

    private string _folder = "";
    private MalariaPredictionEnginePool _pool = null!;
    private MalariaPredictionEnginePool _oneThread = null!;
    private MLImage _image = null!;
    private string _png = "";
    private string[] _paths = [];
    private InferenceSession _oneViewSession = null!;
    private InferenceSession _graphViewsSession = null!;
    private OrtValue _tensor64 = null!;

    /// <summary>The one-view CNN copied beside the benchmark binary.</summary>
    public static string OneViewModelPath => Path.Combine(AppContext.BaseDirectory, "OneViewCnn", "model.onnx");

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"malaria-views-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        _pool = new MalariaPredictionEnginePool(new MalariaClassifierOptions { BatchSize = 64 })
            .FromFile(OneView, OneViewModelPath).FromDefault(GraphViews);
        _oneThread = new MalariaPredictionEnginePool(new MalariaClassifierOptions { BatchSize = 64, DecodeThreads = 1 })
            .FromFile(OneView, OneViewModelPath);
        _image = BenchmarkImages.Create(red: true, seed: 1);
        _paths = Enumerable.Range(0, Files).Select(i => WritePng(Path.Combine(_folder, $"cell{i:000}.png"), i)).ToArray();
        _png = _paths[0];

        // The floor runs with the library's session settings (OnnxSessionSettings, OnnxIntraOpThreads 1).
        using (var options = LibrarySessionOptions())
        {
            _oneViewSession = new InferenceSession(OneViewModelPath, options);
            _graphViewsSession = new InferenceSession(DefaultModelBytes(), options);
        }
        var random = new Random(3);
        var pixels = new float[RawBatch * 3 * 64 * 64];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = random.Next(256);
        _tensor64 = OrtValue.CreateTensorValueFromMemory(pixels, [RawBatch, 3, 64, 64]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _oneThread.Dispose();
        _image.Dispose();
        _oneViewSession.Dispose();
        _graphViewsSession.Dispose();
        _tensor64.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "1 image: one-view CNN, 1 view")]
    [BenchmarkCategory("single")]
    public float SingleOneView() => _pool.Classify(OneView, _image).Confidence;

    [Benchmark(Description = "1 image: one-view CNN, 8 views by the library")]
    [BenchmarkCategory("single")]
    public float SingleLibraryViews() => _pool.Classify(OneView, _image, ScoringViews.Dihedral).Confidence;

    [Benchmark(Description = "1 image: built-in model, the library default (1 view)")]
    [BenchmarkCategory("single")]
    public float SingleGraphViews() => _pool.Classify(GraphViews, _image).Confidence;

    [Benchmark(Description = "1 PNG file: one-view CNN, 1 view")]
    [BenchmarkCategory("single")]
    public float SingleFile() => _pool.Classify(OneView, _png).Confidence;

    [Benchmark(Baseline = true, Description = "256 PNG files: one-view CNN, decoded on 1 thread")]
    [BenchmarkCategory("files")]
    public float FilesOneThread() => _oneThread.ClassifyBatch(OneView, _paths).Sum(p => p.Confidence);

    [Benchmark(Description = "256 PNG files: one-view CNN, decoded on every core")]
    [BenchmarkCategory("files")]
    public float FilesAllThreads() => _pool.ClassifyBatch(OneView, _paths).Sum(p => p.Confidence);

    [Benchmark(Description = "256 PNG files: one-view CNN, 8 views by the library")]
    [BenchmarkCategory("files")]
    public float FilesLibraryViews() => _pool.ClassifyBatch(OneView, _paths, ScoringViews.Dihedral).Sum(p => p.Confidence);

    [Benchmark(Description = "256 PNG files: built-in model, the library default (1 view)")]
    [BenchmarkCategory("files")]
    public float FilesGraphViews() => _pool.ClassifyBatch(GraphViews, _paths).Sum(p => p.Confidence);

    [Benchmark(Baseline = true, Description = "raw ORT [64,3,64,64]: one-view CNN")]
    [BenchmarkCategory("raw64")]
    public float RawOneView() => Run(_oneViewSession);

    [Benchmark(Description = "raw ORT [64,3,64,64]: built-in model (one-view graph)")]
    [BenchmarkCategory("raw64")]
    public float RawGraphViews() => Run(_graphViewsSession);

    private float Run(InferenceSession session)
    {
        using var outputs = session.Run(new RunOptions(), ["input"], [_tensor64], ["probabilities"]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    /// <summary>The settings the library gives its ONNX sessions, one thread per run (its default).</summary>
    public static SessionOptions LibrarySessionOptions() => Malaria.Inference.Models.OnnxSessionSettings.Create(intraOpThreads: 1);

    /// <summary>The built-in model's bytes, as the package embeds them.</summary>
    private static byte[] DefaultModelBytes() => BuiltInModel.Read().Model;

    private static string WritePng(string path, int seed) => BenchmarkImages.WritePng(path, red: seed % 2 == 0, seed: seed);
}
