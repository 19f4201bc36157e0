namespace Malaria.Training.MlNet;

/// <summary>The ML.NET multiclass trainer fitted on the frozen backbone features.</summary>
public enum FeatureClassifier
{
    /// <summary><c>LbfgsMaximumEntropy</c>: multinomial logistic regression with L-BFGS (the default).</summary>
    LbfgsMaximumEntropy,

    /// <summary><c>SdcaMaximumEntropy</c>: multinomial logistic regression with stochastic dual coordinate ascent.</summary>
    SdcaMaximumEntropy,

    /// <summary><c>OneVersusAll</c> over binary <c>LbfgsLogisticRegression</c> models.</summary>
    LbfgsLogisticRegressionOneVersusAll,
}
