namespace Malaria.Inference;

/// <summary>
/// The <c>views</c> section of <c>model.json</c>: how many views (<see cref="ScoringViews"/>) the model's graph
/// averages itself, and how many its trainer validated it with. Example:
/// <c>"views": { "inGraph": 1, "recommended": 8 }</c> is a one-view graph that was chosen and evaluated scoring 8
/// views, which the library averages when asked (<see cref="MalariaClassifierOptions.Views"/>).
/// </summary>
/// <remarks>
/// Cards without the section are read as before it existed: a graph exported with view averaging says so in the
/// property <c>"views": "8"</c> (or, for ML.NET zips whose backbone averages them, <c>"averageViewsAtPrediction": "True"</c>),
/// and is then read as <c>inGraph</c> = <c>recommended</c> = 8; any other card as 1 and 1.
/// </remarks>
public sealed class ModelCardViews
{
    /// <summary>
    /// Views the graph averages itself: 1 (the library may score 1 or 8 views) or 8 (every prediction is already the
    /// mean of 8 views; the library adds none). Default: 1.
    /// </summary>
    public int InGraph { get; set; } = 1;

    /// <summary>
    /// The views the model was chosen and evaluated with (the card's metrics are for these): 1 or 8, and 8 when
    /// <see cref="InGraph"/> is 8. Informational: the library scores <see cref="MalariaClassifierOptions.Views"/>
    /// unless a call asks otherwise. Default: 1.
    /// </summary>
    public int Recommended { get; set; } = 1;

    internal void Validate(string source)
    {
        if (InGraph is not (1 or 8))
            throw new InvalidDataException($"Model card '{source}' says its graph averages {InGraph} views (\"views\": {{ \"inGraph\": ... }}); expected 1 or 8.");
        if (Recommended is not (1 or 8))
            throw new InvalidDataException($"Model card '{source}' recommends {Recommended} views (\"views\": {{ \"recommended\": ... }}); expected 1 or 8.");
        if (InGraph == 8 && Recommended != 8)
            throw new InvalidDataException($"Model card '{source}' recommends {Recommended} view(s) for a graph that averages 8 itself.");
    }
}
