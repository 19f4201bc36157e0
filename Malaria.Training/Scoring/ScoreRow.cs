namespace Malaria.Training.Scoring;

/// <summary>
/// One line of the scores: the image (<paramref name="Path"/>, its key), its <paramref name="Group"/>, and either the
/// model's <paramref name="Label"/> with the <paramref name="Probability"/> of the positive label (Parasitized), or,
/// for a file that could not be read as an image, the <paramref name="Error"/> ("Reason: detail", the reason being an
/// <c>InvalidImageReason</c> or <c>Missing</c>/<c>Unreadable</c>).
/// </summary>
public sealed record ScoreRow(string Path, string Group, string? Label, float? Probability, string ModelVersion, string? Error)
{
    /// <summary>Whether the image was scored (no error).</summary>
    public bool Scored => Error is null;
}
