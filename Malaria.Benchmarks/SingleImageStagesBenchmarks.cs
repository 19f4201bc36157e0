using BenchmarkDotNet.Attributes;
using Malaria.Inference;
using Malaria.Inference.Imaging;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// Where one image's time goes on its way through the pool with the one-view CNN: each stage of
/// <c>pool.Classify(name, path)</c> timed alone on a 130 x 130 PNG (read and decode, the input-domain check, the
/// smooth resize to 64 x 64, the tensor fill, the model run with the library's session settings), and the whole call.
/// </summary>
[BenchmarkCategory("Stages")]
public class SingleImageStagesBenchmarks
{
    private string _folder = "";
    private string _png = "";
    private MLImage _decoded = null!;
    private MLImage _resized = null!;
    private float[] _tensor = new float[3 * 64 * 64];
    private MalariaPredictionEnginePool _pool = null!;
    private InferenceSession _session = null!;
    private OrtValue _input = null!;
    private readonly RunOptions _run = new();

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"malaria-stages-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        _png = Path.Combine(_folder, "cell.png");
        BenchmarkImages.WritePng(_png, red: true, seed: 1);
        _decoded = ImageDecoder.DecodeFile(_png);
        _resized = SmoothResizer.Resize(_decoded, 64, 64);
        _pool = new MalariaPredictionEnginePool().FromFile(ViewsBenchmarks.OneView, ViewsBenchmarks.OneViewModelPath);
        using (var options = ViewsBenchmarks.LibrarySessionOptions())
            _session = new InferenceSession(ViewsBenchmarks.OneViewModelPath, options);
        TensorPreprocessor.FillChw(_resized, _tensor, 64, 64);
        _input = OrtValue.CreateTensorValueFromMemory(_tensor, [1, 3, 64, 64]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _decoded.Dispose();
        _resized.Dispose();
        _pool.Dispose();
        _session.Dispose();
        _input.Dispose();
        _run.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "1. read + check + decode the PNG")]
    public int Decode()
    {
        using var image = ImageDecoder.DecodeFile(_png);
        return image.Width;
    }

    [Benchmark(Description = "2. input-domain check (InputDomain.Assess)")]
    public InputWarnings Assess() => InputDomain.Assess(_decoded);

    [Benchmark(Description = "3. smooth resize 130 -> 64")]
    public int Resize()
    {
        using var image = SmoothResizer.Resize(_decoded, 64, 64);
        return image.Width;
    }

    [Benchmark(Description = "4. tensor fill (64 x 64)")]
    public float Fill()
    {
        TensorPreprocessor.FillChw(_resized, _tensor, 64, 64);
        return _tensor[0];
    }

    [Benchmark(Description = "5. model run, raw ORT [1,3,64,64]")]
    public float Model()
    {
        using var outputs = _session.Run(_run, ["input"], [_input], ["probabilities"]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    [Benchmark(Baseline = true, Description = "all: pool.Classify(name, path)")]
    public float Whole() => _pool.Classify(ViewsBenchmarks.OneView, _png).Confidence;
}
