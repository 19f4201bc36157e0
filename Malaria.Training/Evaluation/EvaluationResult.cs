using System.Text.Json;
using System.Text.Json.Serialization;

namespace Malaria.Training.Evaluation;

/// <summary>
/// Everything measured on one scored part, as written to <c>metrics.json</c> (camelCase): ML.NET's multiclass
/// metrics and the binary view with <see cref="PositiveLabel"/> as positive. The confusion matrix has one row per true
/// label and one column per predicted label, both in <see cref="Labels"/> order.
/// </summary>
public sealed class EvaluationResult
{
    /// <summary>Which data was scored (e.g. <c>test</c>).</summary>
    public string Part { get; init; } = "";

    /// <summary>Rows scored.</summary>
    public int Rows { get; init; }

    /// <summary>Labels in score order.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The label treated as positive in the binary view.</summary>
    public string PositiveLabel { get; init; } = "";

    /// <summary>Micro accuracy (fraction of rows right).</summary>
    public double Accuracy { get; init; }

    /// <summary>Macro accuracy (mean per-class recall).</summary>
    public double MacroAccuracy { get; init; }

    /// <summary>Mean log-loss.</summary>
    public double LogLoss { get; init; }

    /// <summary>Log-loss reduction over predicting the class priors.</summary>
    public double LogLossReduction { get; init; }

    /// <summary>Log-loss per true label.</summary>
    public IReadOnlyDictionary<string, double> PerClassLogLoss { get; init; } = new Dictionary<string, double>();

    /// <summary>Positive predictive value.</summary>
    public double Precision { get; init; }

    /// <summary>Sensitivity: positives found.</summary>
    public double Recall { get; init; }

    /// <summary>Negatives recognised as negative.</summary>
    public double Specificity { get; init; }

    /// <summary>Harmonic mean of precision and recall.</summary>
    public double F1 { get; init; }

    /// <summary>ROC AUC of the positive-class score.</summary>
    public double Auc { get; init; }

    /// <summary>PR AUC (average precision) of the positive-class score.</summary>
    public double PrAuc { get; init; }

    /// <summary>Binary counts.</summary>
    public int TruePositives { get; init; }

    /// <summary>Binary counts.</summary>
    public int FalsePositives { get; init; }

    /// <summary>Binary counts.</summary>
    public int TrueNegatives { get; init; }

    /// <summary>Binary counts.</summary>
    public int FalseNegatives { get; init; }

    /// <summary>Counts: rows are true labels, columns predicted labels.</summary>
    public IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix { get; init; } = [];

    /// <summary>95 % bootstrap intervals of the headline metrics, by patient where the rows' patients are known.</summary>
    public ConfidenceIntervals? Intervals { get; init; }

    /// <summary>
    /// Figures at each of the model's operating points (thresholds on the calibrated P(positive)); one, balanced at
    /// 0.5, for a card without points. The headline metrics above are those of the most probable label.
    /// </summary>
    public IReadOnlyList<OperatingPointResult>? OperatingPoints { get; set; }

    /// <summary>Calibration of the positive label's probability before and after the card's temperature.</summary>
    public CalibrationSummary? Calibration { get; set; }

    /// <summary>The ROC curve (for the picture; not written to JSON).</summary>
    [JsonIgnore]
    public IReadOnlyList<RocPoint> RocCurve { get; init; } = [];

    /// <summary>The headline numbers by name, for <c>model.json</c>.</summary>
    public IDictionary<string, double> Headline() => new Dictionary<string, double>
    {
        ["accuracy"] = Accuracy, ["precision"] = Precision, ["recall"] = Recall, ["specificity"] = Specificity,
        ["f1"] = F1, ["auc"] = Auc, ["prAuc"] = PrAuc, ["logLoss"] = LogLoss, ["macroAccuracy"] = MacroAccuracy,
    };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
