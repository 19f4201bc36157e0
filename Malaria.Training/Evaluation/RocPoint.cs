namespace Malaria.Training.Evaluation;

/// <summary>One point of a ROC curve: rates at the threshold "score >= <paramref name="Threshold"/> is positive".</summary>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);
