namespace Malaria.Training.MlNet;

/// <summary>How the backbone features are rescaled before the classifier; the fitted normaliser is part of the model.</summary>
public enum FeatureNormalization
{
    /// <summary>Features as the backbone returns them (0..6 after ReLU6 and pooling).</summary>
    None,

    /// <summary>Zero mean, unit variance per feature (<c>NormalizeMeanVariance</c>).</summary>
    MeanVariance,

    /// <summary>Scaled into [0, 1] per feature (<c>NormalizeMinMax</c>).</summary>
    MinMax,
}
