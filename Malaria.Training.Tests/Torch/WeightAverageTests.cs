using Malaria.Training.Torch;
using Malaria.Training.Commands;
using Malaria.Training.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Torch;

public class WeightAverageTests
{
    private TempFolder temp = null!;

    [SetUp]
    public void SetUp()
    {
        TorchNativeRuntime.EnsureLoaded();
        temp = new TempFolder("malaria-average-");
    }

    [TearDown]
    public void TearDown() => temp.Dispose();

    [Test]
    public void StartsAsACopyThenMovesByOneMinusTheRampedDecay()
    {
        torch.manual_seed(1);
        using var trained = nn.Linear(3, 2);
        using var average = new WeightAverage(trained, nn.Linear(3, 2), decay: 0.9);
        Assert.That(average.Model.state_dict()["weight"].allclose(trained.state_dict()["weight"], rtol: 0, atol: 0), Is.True, "the average starts at the trained weights");

        var before = average.Model.state_dict()["weight"].clone();
        using (torch.no_grad()) trained.state_dict()["weight"].add_(1.0);
        var now = trained.state_dict()["weight"].clone();
        average.Update(0);
        // First update: d = min(0.9, 1/10) = 0.1, so the average moves 90 % of the way.
        Assert.That(average.Model.state_dict()["weight"].allclose(before * 0.1 + now * 0.9, atol: 1e-6), Is.True);

        Assert.That(average.DecayAt(0), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(average.DecayAt(10), Is.EqualTo(11.0 / 20).Within(1e-12));
        Assert.That(average.DecayAt(1000), Is.EqualTo(0.9), "the ramp ends at the configured decay");
        var previous = average.Model.state_dict()["weight"].clone();
        average.Update(1000);
        Assert.That(average.Model.state_dict()["weight"].allclose(previous * 0.9 + now * 0.1, atol: 1e-6), Is.True);
    }

    [Test]
    public void AveragesBatchNormStatisticsAndCopiesItsCounter()
    {
        using var trained = nn.BatchNorm1d(4);
        using var average = new WeightAverage(trained, nn.BatchNorm1d(4), decay: 0.5);
        trained.train();
        using (torch.no_grad()) trained.forward(torch.ones(8, 4) * 10);   // running mean 0 -> 1, counter 0 -> 1
        average.Update(1000);

        var state = average.Model.state_dict();
        Assert.That(state["running_mean"].allclose(torch.full(4, 0.5f), atol: 1e-6), Is.True, "halfway between 0 and the trained 1");
        Assert.That(state["num_batches_tracked"].item<long>(), Is.EqualTo(1), "integer buffers are copied, not averaged");
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void ADecayOutsideZeroToOneIsRefused(double decay)
    {
        using var trained = nn.Linear(2, 2);
        using var averaged = nn.Linear(2, 2);
        Assert.That(() => new WeightAverage(trained, averaged, decay), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [TestCase("0.998", true)]
    [TestCase("1", false)]
    [TestCase("0", false)]
    public void TheCommandLineTakesADecayBetweenZeroAndOne(string decay, bool accepted)
    {
        if (accepted)
            Assert.That(TorchCommandLine.Parse("--trainer", "cnn", "--weight-average", decay).WeightAverageDecay, Is.EqualTo(0.998));
        else
            Assert.That(() => TorchCommandLine.Parse("--trainer", "cnn", "--weight-average", decay),
                Throws.TypeOf<CommandLineException>().With.Message.Contains("--weight-average").And.Message.Contains("between 0 and 1"));
    }
}
