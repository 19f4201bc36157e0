using System.Diagnostics.Metrics;

namespace Malaria.Web.Diagnostics;

/// <summary>The app's own instruments (meter "Malaria.Web"), exported with the library's through OpenTelemetry.</summary>
public sealed class WebMetrics
{
    public const string MeterName = "Malaria.Web";

    private readonly Counter<long> _images;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _saturated;

    public WebMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _images = meter.CreateCounter<long>("malaria.web.images", "{image}", "Images received, by model and outcome (the label, or the reason it was refused).");
        _duration = meter.CreateHistogram("malaria.web.scoring.duration", "s", "Time to decode and score one image.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        _saturated = meter.CreateCounter<long>("malaria.web.saturated", "{request}", "Requests refused with 429 because every scoring slot and queue place was taken.");
    }

    public void Scored(string model, string label, TimeSpan elapsed)
    {
        _images.Add(1, new("model", model), new("outcome", label));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("model", model));
    }

    public void Refused(string model, string reason) => _images.Add(1, new("model", model), new("outcome", reason));

    public void Saturated() => _saturated.Add(1);
}
