using BenchmarkDotNet.Attributes;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Benchmarks;

/// <summary>
/// A network against its int8 version (<see cref="QuantizedModelPair"/>): raw ONNX Runtime on a ready [64,3,S,S]
/// tensor (the model alone) and the pool's <c>ClassifyBatch</c> of 64 decoded 130 x 130 images (resizing and tensor
/// filling included, as a service pays). The raw sessions use ONNX Runtime's default options (not the library's
/// OnnxSessionSettings); the pool uses its own.
/// <c>MALARIA_INT8_MODEL=artifacts/int8/m dotnet run -c Release --project Malaria.Benchmarks -- --filter '*Int8*'</c>
/// </summary>
[BenchmarkCategory("Int8")]
public class Int8Benchmarks
{
    private const int BatchSize = 64;
    private QuantizedModelPair _models = null!;
    private InferenceSession _float = null!;
    private InferenceSession _int8 = null!;
    private RunOptions _runOptions = null!;
    private MalariaPredictionEnginePool _pool = null!;
    private MLImage[] _batch = [];
    private float[] _tensor = [];

    [GlobalSetup]
    public void Setup()
    {
        _models = QuantizedModelPair.FromEnvironment();
        _float = new InferenceSession(_models.FloatOnnx);
        _int8 = new InferenceSession(_models.Int8Onnx);
        _runOptions = new RunOptions();
        var options = new Malaria.Inference.MalariaClassifierOptions { BatchSize = BatchSize };
        _pool = new MalariaPredictionEnginePool(options).FromFile("float", _models.FloatOnnx).FromFile("int8", _models.Int8Onnx);
        _batch = BenchmarkImages.CreateBatch(BatchSize);
        var plane = 3 * _models.InputSize * _models.InputSize;
        _tensor = new float[BatchSize * plane];
        for (var i = 0; i < BatchSize; i++) TensorPreprocessor.FillChw(_batch[i], _tensor.AsSpan(i * plane, plane), _models.InputSize, _models.InputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _float.Dispose();
        _int8.Dispose();
        _runOptions.Dispose();
        foreach (var image in _batch) image.Dispose();
    }

    [Benchmark(Baseline = true, Description = "64 images: raw ORT, float")]
    [BenchmarkCategory("raw")]
    public float RawFloat() => Run(_float);

    [Benchmark(Description = "64 images: raw ORT, int8")]
    [BenchmarkCategory("raw")]
    public float RawInt8() => Run(_int8);

    [Benchmark(Baseline = true, Description = "64 images: pool.ClassifyBatch, float")]
    [BenchmarkCategory("pool")]
    public float PoolFloat() => _pool.ClassifyBatch("float", _batch).Sum(p => p.Confidence);

    [Benchmark(Description = "64 images: pool.ClassifyBatch, int8")]
    [BenchmarkCategory("pool")]
    public float PoolInt8() => _pool.ClassifyBatch("int8", _batch).Sum(p => p.Confidence);

    private float Run(InferenceSession session)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(_tensor, [BatchSize, 3, _models.InputSize, _models.InputSize]);
        using var outputs = session.Run(_runOptions, ["input"], [input], ["probabilities"]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
