using System.Globalization;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>
/// Knowledge distillation (Hinton et al., 2015) from cached teacher predictions: besides the labels, the network is
/// trained towards a teacher's probability for each training image, read from <see cref="Teacher"/> (a <c>score</c>
/// output, or any CSV with path and probability columns; <see cref="TeacherPredictions"/>). The teacher ran once,
/// ahead of training, so a large teacher costs the student's training nothing per step.
/// </summary>
/// <remarks>
/// The loss is <c>(1 - Weight) x cross-entropy(labels) + Weight x T^2 x KL(teacher_T || student_T)</c>, where
/// <c>_T</c> divides both sides' logits by <see cref="Temperature"/>; T^2 keeps the soft part's gradients the same size
/// at any temperature. The teacher's two-class logit is recovered from its probability as log(p / (1 - p)).
/// </remarks>
/// <param name="Teacher">The predictions file; in cross-validation a pattern holding <see cref="FoldPlaceholder"/>.</param>
/// <param name="Weight">The soft part's share of the loss, above 0 and at most 1.</param>
/// <param name="Temperature">Softens both distributions before they are compared; 1 compares them as they are.</param>
internal sealed record Distillation(string Teacher, double Weight = Distillation.DefaultWeight, double Temperature = Distillation.DefaultTemperature)
{
    public const double DefaultWeight = 0.5;
    public const double DefaultTemperature = 1;

    /// <summary>
    /// Stands for the fold number (1-based) in a cross-validation teacher: fold k's teacher must not have seen fold k's
    /// held-out patients, or its predictions would carry them into the student that is scored on them.
    /// </summary>
    public const string FoldPlaceholder = "{fold}";

    /// <summary>Whether <see cref="Teacher"/> names one file per fold.</summary>
    public bool IsPerFold => Teacher.Contains(FoldPlaceholder, StringComparison.Ordinal);

    /// <summary>This distillation with fold <paramref name="fold"/>'s (1-based) teacher file.</summary>
    public Distillation ForFold(int fold) => this with { Teacher = Teacher.Replace(FoldPlaceholder, fold.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) };

    /// <summary>
    /// The blended loss of a batch: <paramref name="logits"/> [n, classes], <paramref name="hardLoss"/> the label loss
    /// already computed, <paramref name="teacherPositive"/> the teacher's positive-class probability per image.
    /// </summary>
    public Tensor Loss(Tensor logits, Tensor hardLoss, float[] teacherPositive, int positiveIndex)
    {
        if (logits.shape[1] != 2) throw new InvalidOperationException($"Distillation needs two classes; the network has {logits.shape[1]}.");
        var t = Temperature;
        var teacherLogit = new float[teacherPositive.Length * 2];
        for (var i = 0; i < teacherPositive.Length; i++)
        {
            // Clamped so a teacher that wrote 0 or 1 gives a finite logit.
            var p = Math.Clamp((double)teacherPositive[i], 1e-6, 1 - 1e-6);
            teacherLogit[2 * i + positiveIndex] = (float)(Math.Log(p / (1 - p)) / t);
        }
        var teacher = nn.functional.log_softmax(tensor(teacherLogit, [teacherPositive.Length, 2]), 1);
        var student = nn.functional.log_softmax(logits / t, 1);
        var soft = (teacher.exp() * (teacher - student)).sum(1).mean() * (t * t);
        return hardLoss * (1 - Weight) + soft * Weight;
    }

    /// <summary>How the model card and cross-validation record it.</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings()
    {
        yield return new("distillTeacher", Teacher);
        yield return new("distillWeight", Weight.ToString(CultureInfo.InvariantCulture));
        yield return new("distillTemperature", Temperature.ToString(CultureInfo.InvariantCulture));
    }
}
