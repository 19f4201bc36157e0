using System.Diagnostics.Metrics;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Diagnostics;

/// <summary>
/// The library's metrics, published with <see cref="System.Diagnostics.Metrics"/> on one meter named
/// <see cref="MeterName"/>: OpenTelemetry (<c>.WithMetrics(m =&gt; m.AddMeter(MalariaInferenceMetrics.MeterName))</c>),
/// <c>dotnet-counters</c> or a <see cref="MeterListener"/> pick them up with no other code.
/// </summary>
public static class MalariaInferenceMetrics
{
    /// <summary>The meter's name, also the package's.</summary>
    public const string MeterName = "Malaria.Inference";

    /// <summary>Counter of classified cells; tags <c>model</c> and <c>label</c> (the predicted one).</summary>
    public const string PredictionsName = "malaria.predictions";

    /// <summary>Histogram of the time one call spends scoring, in seconds; tags <c>model</c> and <c>operation</c>
    /// (<c>classify</c>, <c>classify_batch</c> or <c>explain</c>). Decoding is not included.</summary>
    public const string DurationName = "malaria.prediction.duration";

    /// <summary>Counter of inputs refused as images; tags <c>model</c> and <c>reason</c> (an <see cref="InvalidImageReason"/>).</summary>
    public const string RejectedInputsName = "malaria.inputs.rejected";

    /// <summary>Counter of reloads that swapped in a new model; tag <c>model</c>.</summary>
    public const string ReloadsName = "malaria.model.reloads";

    /// <summary>Counter of reloads that failed (the previous model kept serving); tag <c>model</c>.</summary>
    public const string ReloadFailuresName = "malaria.model.reload_failures";

    private static readonly Meter Meter = new(MeterName, typeof(MalariaInferenceMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Predictions = Meter.CreateCounter<long>(PredictionsName, "{cell}", "Cells classified, by model and predicted label.");

    private static readonly Histogram<double> Duration = CreateDuration();

    private static readonly Counter<long> RejectedInputs = Meter.CreateCounter<long>(RejectedInputsName, "{input}", "Inputs refused as images, by reason.");

    private static readonly Counter<long> Reloads = Meter.CreateCounter<long>(ReloadsName, "{reload}", "Model reloads that swapped in a new model.");

    private static readonly Counter<long> ReloadFailures = Meter.CreateCounter<long>(ReloadFailuresName, "{reload}", "Model reloads that failed; the previous model kept serving.");

    private static Histogram<double> CreateDuration()
    {
        const string description = "Time spent scoring one call (one cell, one batch or one explanation), decoding excluded.";
#if NET9_0_OR_GREATER
        // A cell takes milliseconds: OpenTelemetry's default buckets (made for milliseconds, 0 to 10,000) would put
        // every call in the first one when recorded in seconds.
        return Meter.CreateHistogram<double>(DurationName, "s", description, tags: null, new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });
#else
        return Meter.CreateHistogram<double>(DurationName, "s", description);
#endif
    }

    internal static void RecordPrediction(string model, string label, double seconds, string operation)
    {
        Predictions.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("label", label));
        RecordDuration(model, seconds, operation);
    }

    internal static void RecordBatch(string model, IEnumerable<CellPrediction> predictions, double seconds)
    {
        foreach (var byLabel in predictions.GroupBy(p => p.Label, StringComparer.Ordinal))
            Predictions.Add(byLabel.Count(), new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("label", byLabel.Key));
        RecordDuration(model, seconds, "classify_batch");
    }

    private static void RecordDuration(string model, double seconds, string operation) =>
        Duration.Record(seconds, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("operation", operation));

    /// <summary>Counts a refused input; returns false so it can sit in an exception filter and let the exception pass.</summary>
    internal static bool RecordRejected(string model, InvalidImageReason reason)
    {
        RejectedInputs.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("reason", reason.ToString()));
        return false;
    }

    internal static void RecordReload(string model) => Reloads.Add(1, new KeyValuePair<string, object?>("model", model));

    internal static void RecordReloadFailure(string model) => ReloadFailures.Add(1, new KeyValuePair<string, object?>("model", model));
}
