namespace Malaria.Inference.Decisions;

/// <summary>How many views a model's scores are averaged over, which picks its calibration and operating points.</summary>
internal static class ScoredViews
{
    /// <summary>
    /// The views a model scores with as its card describes it: 8 when the trainer wrote the averaging into the model
    /// (property <c>views</c> = <c>8</c>), else 1. The one place a scoring option of the caller's would plug in.
    /// </summary>
    public static int Of(ModelCard card) =>
        card.Properties is { } properties && properties.TryGetValue("views", out var views) && views.Trim() == "8" ? 8 : 1;
}
