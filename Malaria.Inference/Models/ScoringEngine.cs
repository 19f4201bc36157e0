using Microsoft.ML.Data;

namespace Malaria.Inference.Models;

/// <summary>
/// One rentable scorer of a loaded model. Not thread-safe: a pool hands each engine to one caller at a time.
/// </summary>
internal abstract class ScoringEngine : IDisposable
{
    /// <summary>Scores of one image, in label order, averaged over <paramref name="views"/> (1 or 8: <see cref="DihedralViews"/>) built here.</summary>
    public abstract float[] Score(MLImage image, int views);

    /// <summary>Scores of several images in one model run, in input order, each averaged over <paramref name="views"/> built here.</summary>
    public abstract float[][] ScoreBatch(IReadOnlyList<MLImage> images, int views);

    /// <summary>Whether <see cref="Explain"/> is available: the model has a class activation output.</summary>
    public virtual bool CanExplain => false;

    /// <summary>Scores and class activation maps of one image, averaged over <paramref name="views"/> built here.</summary>
    /// <exception cref="NotSupportedException">The model has no class activation output.</exception>
    public virtual ClassActivation Explain(MLImage image, int views) =>
        throw new NotSupportedException("This model has no class activation output.");

    public abstract void Dispose();
}
