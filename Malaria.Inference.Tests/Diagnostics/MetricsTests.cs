using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Malaria.Inference;
using Malaria.Inference.Diagnostics;
using Malaria.Inference.Imaging;
using Malaria.Inference.IO;

namespace Malaria.Inference.Tests.Diagnostics;

/// <summary>What a <see cref="MeterListener"/> (as OpenTelemetry uses one) sees on the library's meter.</summary>
[NonParallelizable]  // the meter is process-wide
public sealed class MetricsTests
{
    [Test]
    public void Predictions_latency_rejections_reloads_and_failures_are_measured_by_model()
    {
        using var folder = new TempFolder();
        var path = TestModels.Write(folder.Path, flipped: false);
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];  // tags this test's measurements apart
        var counts = new ConcurrentDictionary<string, long>();
        var durations = new ConcurrentQueue<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MalariaInferenceMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(p => p.Key, p => p.Value?.ToString());
            if (t.GetValueOrDefault("model") != name) return;
            var key = instrument.Name + (t.TryGetValue("label", out var label) ? "/" + label : "") + (t.TryGetValue("reason", out var reason) ? "/" + reason : "");
            counts.AddOrUpdate(key, value, (_, n) => n + value);
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == MalariaInferenceMetrics.DurationName && tags.ToArray().Any(p => p.Key == "model" && (string?)p.Value == name)) durations.Enqueue(value);
        });
        listener.Start();

        using (var pool = new Malaria.Inference.Pooling.MalariaPredictionEnginePool().FromFile(name, path))
        {
            pool.Classify(name, TestImages.Png(TestImages.Tint.Red));
            pool.Classify(name, TestImages.Png(TestImages.Tint.Red));
            pool.ClassifyBatch(name, [TestImages.Decoded(TestImages.Tint.Blue), TestImages.Decoded(TestImages.Tint.Red)]);
            Assert.Throws<InvalidImageException>(() => pool.Classify(name, "not an image"u8.ToArray(), "notes.txt"));
            Assert.Throws<InvalidImageException>(() => pool.Classify(name, Array.Empty<byte>(), "empty.png"));
            AtomicFile.WriteAllBytes(path, TestModels.Zip(flipped: true));
            Assert.That(pool.Reload(name), Is.True);
            File.WriteAllText(path, "garbage");
            Assert.That(pool.Reload(name), Is.False);
        }
        listener.RecordObservableInstruments();

        Assert.That(counts.GetValueOrDefault($"{MalariaInferenceMetrics.PredictionsName}/Parasitized"), Is.EqualTo(3));
        Assert.That(counts.GetValueOrDefault($"{MalariaInferenceMetrics.PredictionsName}/Uninfected"), Is.EqualTo(1));
        Assert.That(counts.GetValueOrDefault($"{MalariaInferenceMetrics.RejectedInputsName}/NotAnImage"), Is.EqualTo(1));
        Assert.That(counts.GetValueOrDefault($"{MalariaInferenceMetrics.RejectedInputsName}/Empty"), Is.EqualTo(1));
        Assert.That(counts.GetValueOrDefault(MalariaInferenceMetrics.ReloadsName), Is.EqualTo(1));
        Assert.That(counts.GetValueOrDefault(MalariaInferenceMetrics.ReloadFailuresName), Is.EqualTo(1));
        Assert.That(durations, Has.Count.EqualTo(3), "two single calls and one batch call");
        Assert.That(durations, Has.All.GreaterThan(0.0).And.LessThan(60.0), "seconds");
    }
}
