using System.Reflection;
using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests;

/// <summary>The copy of the options a pool makes for a model served at its own operating point keeps every other setting.</summary>
public sealed class MalariaClassifierOptionsTests
{
    [Test]
    public void A_model_with_its_own_operating_point_keeps_every_other_setting()
    {
        var options = new MalariaClassifierOptions
        {
            ImageLimits = new ImageLimits { MaxPixels = 12_345 },
            MaxEnginesPerModel = 3,
            FrameCrops = false,
            OperatingPoint = "balanced",
            BatchSize = 7,
            Views = ScoringViews.Dihedral,
            OnnxIntraOpThreads = 0,
            DecodeThreads = 5,
            ScoringThreads = 2,
            ReloadDebounce = TimeSpan.FromSeconds(3),
            ReloadRetries = 4,
            ReloadRetryDelay = TimeSpan.FromSeconds(2),
        };

        var copy = options.ForModel("screening");

        Assert.That(copy.OperatingPoint, Is.EqualTo("screening"));
        var settable = typeof(MalariaClassifierOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != nameof(MalariaClassifierOptions.OperatingPoint)).ToList();
        Assert.That(settable, Has.Count.GreaterThanOrEqualTo(11), "the list below covers every setting");
        foreach (var property in settable)
            Assert.That(property.GetValue(copy), Is.EqualTo(property.GetValue(options)), property.Name);
    }
}
