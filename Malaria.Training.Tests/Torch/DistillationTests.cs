using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>The distillation loss and its per-fold teachers.</summary>
public class DistillationTests
{
    [SetUp]
    public void SetUp() => TorchNativeRuntime.EnsureLoaded();

    /// <summary>Two-class logits whose positive (index 0) probability is <paramref name="p"/> at temperature 1.</summary>
    private static float[] LogitsOf(params double[] p) => [.. p.SelectMany(x => new[] { (float)Math.Log(x / (1 - x)), 0f })];

    [Test]
    public void AStudentThatAgreesWithTheTeacherPaysOnlyTheLabelsShare()
    {
        using var scope = NewDisposeScope();
        var teacher = new[] { 0.8f, 0.3f, 0.95f };
        var logits = tensor(LogitsOf(0.8, 0.3, 0.95), [3, 2]);
        var hard = tensor(0.4f);

        foreach (var temperature in new[] { 1.0, 2.0, 4.0 })
        {
            var loss = new Distillation("t.csv", Weight: 0.25, Temperature: temperature).Loss(logits, hard, teacher, positiveIndex: 0);
            Assert.That(loss.item<float>(), Is.EqualTo(0.75f * 0.4f).Within(1e-5), $"temperature {temperature}: KL of equal distributions is 0");
        }
    }

    [Test]
    public void TheSoftPartIsTheKullbackLeiblerDivergenceScaledByTheSquaredTemperature()
    {
        using var scope = NewDisposeScope();
        var (p, q, t) = (0.9, 0.6, 2.0);  // teacher, student (at temperature 1), temperature
        static double Soften(double x, double t) => 1 / (1 + Math.Exp(-Math.Log(x / (1 - x)) / t));
        var (pt, qt) = (Soften(p, t), Soften(q, t));
        var expected = t * t * (pt * Math.Log(pt / qt) + (1 - pt) * Math.Log((1 - pt) / (1 - qt)));

        // Positive class at index 1 this time: the teacher's probability must land on the same class.
        var logits = tensor(new[] { 0f, (float)Math.Log(q / (1 - q)) }, [1, 2]);
        var loss = new Distillation("t.csv", Weight: 1, Temperature: t).Loss(logits, tensor(5f), [(float)p], positiveIndex: 1);

        Assert.That(loss.item<float>(), Is.EqualTo(expected).Within(1e-5));
        Assert.That(expected, Is.GreaterThan(0.01), "the case is not trivially zero");
    }

    [Test]
    public void TheGradientPullsTheStudentTowardsTheTeacher()
    {
        var logits = tensor(LogitsOf(0.3), [1, 2]).requires_grad_();
        new Distillation("t.csv", Weight: 1).Loss(logits, tensor(0f), [0.9f], positiveIndex: 0).backward();

        Assert.That(logits.grad!.data<float>()[0], Is.LessThan(0), "descending the gradient raises the positive logit, as the teacher says 0.9 where the student says 0.3");
    }

    [Test]
    public void AFoldPatternNamesEachFoldsTeacher()
    {
        var perFold = new Distillation("cv/fold-{fold}/scores.csv");
        Assert.That(perFold.IsPerFold, Is.True);
        Assert.That(perFold.ForFold(3).Teacher, Is.EqualTo("cv/fold-3/scores.csv"));
        Assert.That(perFold.ForFold(3).IsPerFold, Is.False);
        Assert.That(new Distillation("final/scores.csv").IsPerFold, Is.False);
    }
}
