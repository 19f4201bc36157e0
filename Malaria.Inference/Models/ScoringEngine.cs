using Microsoft.ML.Data;

namespace Malaria.Inference.Models;

/// <summary>
/// One rentable scorer of a loaded model. Not thread-safe: a pool hands each engine to one caller at a time.
/// </summary>
internal abstract class ScoringEngine : IDisposable
{
    /// <summary>Scores of one image, in label order.</summary>
    public abstract float[] Score(MLImage image);

    /// <summary>Scores of several images in one model run, in input order.</summary>
    public abstract float[][] ScoreBatch(IReadOnlyList<MLImage> images);

    public abstract void Dispose();
}
