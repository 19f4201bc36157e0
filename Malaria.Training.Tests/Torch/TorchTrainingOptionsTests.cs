using Malaria.Training.Commands;
using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>
/// The settings a model card and a cross-validation fold record: two runs that trained differently must not look alike,
/// or a rerun would reuse a fold trained another way.
/// </summary>
public class TorchTrainingOptionsTests
{
    private static Dictionary<string, string> Recorded(TorchTrainingOptions options) =>
        options.SettingsOnlyWhenOn().ToDictionary(p => p.Key, p => p.Value);

    [Test]
    public void DefaultsRecordNothingExtra()
    {
        Assert.That(Recorded(new TorchTrainingOptions()), Is.Empty);
        Assert.That(Recorded(new TorchTrainingOptions { Architecture = TorchArchitecture.MobileNetV2 }), Is.Empty);
    }

    [Test]
    public void AFineTunedBackboneAtAnotherRateIsRecorded()
    {
        var options = new TorchTrainingOptions { Architecture = TorchArchitecture.MobileNetV2, BackboneLearningRateFactor = 0.3 };

        Assert.That(Recorded(options), Does.ContainKey("backboneLrFactor").WithValue("0.3"));
    }

    [Test]
    public void TheBackboneFactorIsNotRecordedWhereItChangesNothing()
    {
        var frozen = new TorchTrainingOptions { Architecture = TorchArchitecture.MobileNetV2, FreezeBackbone = true, BackboneLearningRateFactor = 0.3 };
        var cnn = new TorchTrainingOptions { Architecture = TorchArchitecture.Cnn, BackboneLearningRateFactor = 0.3 };

        Assert.That(Recorded(frozen), Does.Not.ContainKey("backboneLrFactor"), "a frozen backbone does not train");
        Assert.That(Recorded(cnn), Does.Not.ContainKey("backboneLrFactor"), "the CNN has no separate backbone rate");
    }

    [Test]
    public void TrainWithNoOptionsTrainsTheChosenSettings()
    {
        // A user who trains "the CNN" gets the settings the main job ships, not an older recipe.
        var cnn = TorchCommandLine.Parse("--trainer", "cnn");
        Assert.That(cnn.CnnStages, Is.EqualTo(DefaultJob.TrainingOptions.CnnStages));
        Assert.That(cnn.Epochs, Is.EqualTo(DefaultJob.TrainingOptions.Epochs));
        Assert.That(cnn.LabelSmoothing, Is.EqualTo(DefaultJob.TrainingOptions.LabelSmoothing));
        Assert.That(cnn.Augmentation, Is.EqualTo(DefaultJob.TrainingOptions.Augmentation));

        var mobileNet = TorchCommandLine.Parse("--trainer", "mobilenetv2");
        Assert.That((mobileNet.Epochs, mobileNet.BackboneLearningRateFactor), Is.EqualTo((12, 0.3)), "the fine-tuned MobileNetV2's chosen settings");
    }
}
