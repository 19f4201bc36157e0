namespace Malaria.Training.Evaluation;

/// <summary>An operating point chosen on held-out cells, with honest and optimistic figures.</summary>
/// <param name="Name">balanced or screening.</param>
/// <param name="Threshold">On the calibrated P(positive), chosen on every fold's cells (the one a model ships with).</param>
/// <param name="Sensitivity">Pooled over folds, each fold decided at the threshold chosen on the other folds (held-out).</param>
/// <param name="Specificity">Likewise.</param>
/// <param name="FoldThresholds">The threshold each fold was decided at.</param>
/// <param name="InSampleSensitivity">At <paramref name="Threshold"/> on the cells that chose it: optimistic.</param>
/// <param name="InSampleSpecificity">Likewise.</param>
internal sealed record MeasuredOperatingPoint(string Name, double Threshold, double Sensitivity, double Specificity, double[] FoldThresholds,
    double InSampleSensitivity, double InSampleSpecificity);

/// <summary>Temperature scaling and operating points of one scoring (1 view or 8 views), fitted and measured on cross-validation folds.</summary>
/// <param name="Views">The scoring.</param>
/// <param name="Cells">Held-out cells pooled.</param>
/// <param name="Temperature">Fitted on every fold's held-out cells: the one a model ships with.</param>
/// <param name="FoldTemperatures">The temperature each fold was calibrated with, fitted on the other folds.</param>
/// <param name="Before">The model's own probabilities, pooled.</param>
/// <param name="CrossFitted">Each fold calibrated with the temperature of the other folds, pooled: the honest figure.</param>
/// <param name="InSample">Every cell calibrated with <paramref name="Temperature"/>: optimistic, for comparison.</param>
/// <param name="Points">The operating points.</param>
/// <param name="TargetSensitivity">What the screening point aims at.</param>
internal sealed record ViewsCalibration(int Views, int Cells, double Temperature, double[] FoldTemperatures, CalibrationFigures Before,
    CalibrationFigures CrossFitted, CalibrationFigures InSample, IReadOnlyList<MeasuredOperatingPoint> Points, double TargetSensitivity)
{
    /// <summary>One line for the console: the temperature, held-out ECE and log-loss before and after, and each point.</summary>
    public string Summary() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Calibration ({Views} view(s)): temperature {Temperature:F3}; held-out ECE {Before.Ece:F4} -> {CrossFitted.Ece:F4}, log-loss {Before.LogLoss:F4} -> {CrossFitted.LogLoss:F4}; ")
        + string.Join("; ", Points.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{p.Name} {p.Threshold:F3}: sensitivity {p.Sensitivity:F4}, specificity {p.Specificity:F4}"))) + ".";
}

/// <summary>
/// Calibrates one scoring on cross-validation folds without letting a cell grade what it helped fit: every figure
/// called held-out decides a fold with a temperature and thresholds fitted on the other folds only; the shipped
/// temperature and thresholds are then fitted on all folds together.
/// </summary>
internal static class CrossFittedCalibration
{
    public const string BalancedName = "balanced", ScreeningName = "screening";

    /// <summary>The balanced point: 0.5 on the calibrated probability, which is the model's own 0.5 since logit 0 stays 0 at any temperature.</summary>
    public const double BalancedThreshold = 0.5;

    /// <param name="views">The scoring the probabilities come from.</param>
    /// <param name="folds">Each fold's held-out cells: whether each is positive and the model's P(positive).</param>
    /// <param name="targetSensitivity">The screening point's target.</param>
    public static ViewsCalibration Run(int views, IReadOnlyList<(bool[] Positive, float[] Probability)> folds, double targetSensitivity)
    {
        if (folds.Count < 2) throw new ArgumentException("Cross-fitting needs at least two folds.", nameof(folds));
        foreach (var (positive, probability) in folds)
            if (positive.Length != probability.Length) throw new ArgumentException("Each fold needs one probability per cell.", nameof(folds));
        var logits = folds.Select(f => f.Probability.Select(p => TemperatureScaling.Logit(p)).ToArray()).ToArray();
        var labels = folds.Select(f => f.Positive).ToArray();
        bool[] allLabels = [.. labels.SelectMany(l => l)];
        double[] allLogits = [.. logits.SelectMany(l => l)];

        var temperature = TemperatureScaling.Fit(allLogits, allLabels);
        var foldTemperatures = new double[folds.Count];
        var screeningThresholds = new double[folds.Count];
        var calibratedHeldOut = new List<double>(allLogits.Length);
        var screeningCalls = new List<bool>(allLogits.Length);  // each held-out cell called positive at its fold's threshold
        for (var k = 0; k < folds.Count; k++)
        {
            var others = Enumerable.Range(0, folds.Count).Where(j => j != k).ToArray();
            double[] otherLogits = [.. others.SelectMany(j => logits[j])];
            bool[] otherLabels = [.. others.SelectMany(j => labels[j])];
            foldTemperatures[k] = TemperatureScaling.Fit(otherLogits, otherLabels);
            screeningThresholds[k] = SensitivityThreshold.Choose(TemperatureScaling.Apply(otherLogits, foldTemperatures[k]), otherLabels, targetSensitivity);
            var held = TemperatureScaling.Apply(logits[k], foldTemperatures[k]);
            calibratedHeldOut.AddRange(held);
            screeningCalls.AddRange(held.Select(p => p >= screeningThresholds[k]));
        }
        double[] raw = [.. folds.SelectMany(f => f.Probability.Select(p => (double)p))];
        var inSample = TemperatureScaling.Apply(allLogits, temperature);

        var screening = SensitivityThreshold.Choose(inSample, allLabels, targetSensitivity);
        var screeningHeldOut = SensitivityThreshold.Rates([.. screeningCalls.Select(c => c ? 1.0 : 0.0)], allLabels, 0.5);
        var screeningInSample = SensitivityThreshold.Rates(inSample, allLabels, screening);
        var balanced = SensitivityThreshold.Rates(calibratedHeldOut, allLabels, BalancedThreshold);
        MeasuredOperatingPoint[] points =
        [
            new(BalancedName, BalancedThreshold, balanced.Sensitivity, balanced.Specificity, [.. folds.Select(_ => BalancedThreshold)], balanced.Sensitivity, balanced.Specificity),
            new(ScreeningName, screening, screeningHeldOut.Sensitivity, screeningHeldOut.Specificity, screeningThresholds, screeningInSample.Sensitivity, screeningInSample.Specificity),
        ];
        return new ViewsCalibration(views, allLabels.Length, temperature, foldTemperatures,
            CalibrationMetrics.Compute(raw, allLabels), CalibrationMetrics.Compute(calibratedHeldOut, allLabels),
            CalibrationMetrics.Compute(inSample, allLabels), points, targetSensitivity);
    }
}
