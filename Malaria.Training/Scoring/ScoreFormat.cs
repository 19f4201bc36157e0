namespace Malaria.Training.Scoring;

/// <summary>How the scores are written (<c>--format</c>).</summary>
public enum ScoreFormat
{
    /// <summary>CSV with a header: path,group,label,probability,model_version,error.</summary>
    Csv,

    /// <summary>JSON Lines: one object a line with the same fields (absent values as null).</summary>
    Jsonl,
}
