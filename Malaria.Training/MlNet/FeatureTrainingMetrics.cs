namespace Malaria.Training.MlNet;

/// <summary>Metrics the trainer reports through <see cref="MobileNetV2FeaturesTrainer.Options.MetricsCallback"/>.</summary>
/// <param name="Dataset"><c>train</c> or <c>validation</c>.</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="MicroAccuracy">Fraction of rows classified correctly.</param>
/// <param name="MacroAccuracy">Mean of per-class accuracies.</param>
/// <param name="LogLoss">Mean negative log-likelihood of the true label.</param>
/// <param name="TrainingSeconds">Seconds spent fitting the classifier (not extracting features).</param>
public sealed record FeatureTrainingMetrics(string Dataset, int Rows, double MicroAccuracy, double MacroAccuracy, double LogLoss,
    double TrainingSeconds);
