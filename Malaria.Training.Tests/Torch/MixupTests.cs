using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Torch;

public class MixupTests
{
    [TestCase(0.2)]
    [TestCase(1.0)]
    [TestCase(4.0)]
    public void BetaDrawsHaveTheDistributionsMeanAndVariance(double alpha)
    {
        var random = new Random(11);
        var draws = Enumerable.Range(0, 40_000).Select(_ => Mixup.SampleBeta(alpha, random)).ToArray();
        var mean = draws.Average();
        var variance = draws.Select(d => (d - mean) * (d - mean)).Average();

        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)).
        Assert.That(draws, Has.All.InRange(0.0, 1.0));
        Assert.That(mean, Is.EqualTo(0.5).Within(0.01));
        Assert.That(variance, Is.EqualTo(1 / (4 * (2 * alpha + 1))).Within(0.004));
    }

    [Test]
    public void EachImageIsTheWeightedSumOfItselfAndItsPartnerWhoseLabelItCarries()
    {
        const int imageFloats = 5;
        var labels = new long[] { 0, 1, 0, 1, 1, 0 };
        var pixels = Enumerable.Range(0, labels.Length * imageFloats).Select(i => (float)(i * i % 97)).ToArray();
        var batch = new Batch(pixels, labels, Enumerable.Range(0, labels.Length).ToArray());

        var mixed = new Mixup(0.4).Mix(batch, imageFloats, new Random(3));

        Assert.That(mixed.Weight, Is.InRange(0.5, 1.0), "lambda is folded so each image's own label is the larger part");
        Assert.That(mixed.Labels, Is.EqualTo(labels));
        Assert.That(batch.Pixels, Is.EqualTo(pixels), "the batch itself is left as it was");
        for (var i = 0; i < labels.Length; i++)
        {
            // The partner is the image whose pixels make up the rest; its label must be the one recorded.
            var partners = Enumerable.Range(0, labels.Length).Where(j => Enumerable.Range(0, imageFloats).All(k =>
                Math.Abs(mixed.Pixels[i * imageFloats + k] - (mixed.Weight * pixels[i * imageFloats + k] + (1 - mixed.Weight) * pixels[j * imageFloats + k])) < 1e-3)).ToArray();
            Assert.That(partners, Is.Not.Empty, $"image {i} is a blend of itself and one image of the batch");
            Assert.That(partners.Select(j => labels[j]), Has.Member(mixed.PartnerLabels[i]), $"image {i}'s partner label");
        }
    }

    [Test]
    public void TheSameRandomSeedGivesTheSameBlend()
    {
        var batch = new Batch(Enumerable.Range(0, 40).Select(i => (float)i).ToArray(), [0, 1, 1, 0, 1, 0, 0, 1], Enumerable.Range(0, 8).ToArray());
        var a = new Mixup(0.2).Mix(batch, 5, new Random(9));
        var b = new Mixup(0.2).Mix(batch, 5, new Random(9));
        var c = new Mixup(0.2).Mix(batch, 5, new Random(10));

        Assert.That(b.Pixels, Is.EqualTo(a.Pixels));
        Assert.That(b.PartnerLabels, Is.EqualTo(a.PartnerLabels));
        Assert.That(c.Pixels, Is.Not.EqualTo(a.Pixels));
    }
}
