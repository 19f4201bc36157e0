using BenchmarkDotNet.Attributes;
using Malaria.Inference;
using Microsoft.ML.Data;

namespace Malaria.Benchmarks;

/// <summary>
/// The model a user gets from <see cref="MalariaClassifier.LoadDefault"/> (the CNN embedded in the package), timed on
/// decoded 130 x 130 images: one cell, a batch of 32, and one Grad-CAM explanation. Needs no files, so anyone can
/// measure it on their own machine before choosing it.
/// </summary>
[BenchmarkCategory("Default")]
public class DefaultModelBenchmarks
{
    private const int BatchSize = 32;
    private MalariaClassifier _classifier = null!;
    private MLImage _image = null!;
    private MLImage[] _batch = [];

    [GlobalSetup]
    public void Setup()
    {
        _classifier = MalariaClassifier.LoadDefault(new MalariaClassifierOptions { BatchSize = BatchSize });
        _image = BenchmarkImages.Create(red: true, seed: 1);
        _batch = BenchmarkImages.CreateBatch(BatchSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _classifier.Dispose();
        _image.Dispose();
        foreach (var image in _batch) image.Dispose();
    }

    [Benchmark(Description = "default model: 1 image, Classify")]
    public float Single() => _classifier.Classify(_image).Confidence;

    [Benchmark(Description = "default model: 32 images, ClassifyBatch")]
    public float Batch() => _classifier.ClassifyBatch(_batch).Sum(p => p.Confidence);

    [Benchmark(Description = "default model: 1 image, Explain (Grad-CAM)")]
    public float Explain() => _classifier.Explain(_image).Heatmap.Values[0];
}
