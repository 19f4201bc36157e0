using Malaria.Training.Commands;
using Malaria.Training.Scoring;

namespace Malaria.Training.Tests.Scoring;

/// <summary>Shards: K/N parsing, round-robin ownership, and the shard a Kubernetes Indexed Job's pod takes.</summary>
public class ShardTests
{
    [Test]
    public void EveryChunkHasExactlyOneOwnerAndShardsDifferByAtMostOneChunk()
    {
        var shards = Enumerable.Range(0, 4).Select(k => Shard.Of(k, 4)).ToList();
        var owned = shards.Select(s => Enumerable.Range(0, 103).Count(s.Owns)).ToList();

        Assert.That(Enumerable.Range(0, 103).Select(c => shards.Count(s => s.Owns(c))), Is.All.EqualTo(1));
        Assert.That(owned.Max() - owned.Min(), Is.LessThanOrEqualTo(1));
        Assert.That(Enumerable.Range(0, 10).Where(shards[1].Owns), Is.EqualTo(new[] { 1, 5, 9 }));
    }

    [TestCase("0/1", 0, 1)]
    [TestCase("3/4", 3, 4)]
    [TestCase("11/12", 11, 12)]
    public void ParsesKOfN(string text, int index, int count)
    {
        Assert.That(Shard.TryParse(text, out var shard, out _), Is.True);
        Assert.That(shard, Is.EqualTo(new Shard(index, count)));
        Assert.That(shard.ToString(), Is.EqualTo(text));
    }

    [TestCase("4/4", "K must be below N")]
    [TestCase("1/0", "N must be at least 1")]
    [TestCase("-1/4", "use K/N")]
    [TestCase("1/2/3", "use K/N")]
    [TestCase(" 1/2", "use K/N")]
    public void RefusesWhatIsNotAShard(string text, string problem)
    {
        Assert.That(Shard.TryParse(text, out _, out var why), Is.False);
        Assert.That(why, Does.Contain(problem));
    }

    [Test]
    public void JobCompletionIndexIsTheShardWhenShardIsNotGiven()
    {
        Assert.That(ScoreCommand.ResolveShard(null, 8, "5"), Is.EqualTo(new Shard(5, 8)));
        Assert.That(ScoreCommand.ResolveShard(null, null, null), Is.EqualTo(Shard.All));
        Assert.That(ScoreCommand.ResolveShard("1/3", null, "5"), Is.EqualTo(new Shard(1, 3)), "--shard wins over the environment");
        Assert.Throws<CommandLineException>(() => ScoreCommand.ResolveShard(null, 8, null));
        Assert.Throws<CommandLineException>(() => ScoreCommand.ResolveShard(null, 8, "8"));
        Assert.Throws<CommandLineException>(() => ScoreCommand.ResolveShard(null, 0, "0"));
    }
}
