namespace Malaria.Inference.Decisions;

/// <summary>How many views a model's scores are averaged over, which picks its calibration and operating points.</summary>
internal static class ScoredViews
{
    /// <summary>
    /// The views a card says the model is meant to be scored with: the graph's own when it averages views itself,
    /// else the recommended views (<c>views.recommended</c>; 1 without them). Evaluations score with these.
    /// </summary>
    public static int Of(ModelCard card) => card.ViewsInGraph > 1 ? card.ViewsInGraph : card.Views?.Recommended ?? 1;
}
