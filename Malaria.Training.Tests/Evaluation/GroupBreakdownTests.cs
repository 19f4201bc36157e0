using Malaria.Training.Data;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class GroupBreakdownTests
{
    private static readonly string[] Labels = ["Parasitized", "Uninfected"];

    [Test]
    public void CountsEachGroupAndPutsTheWorstFirst()
    {
        // Patient A: 3 of 4 right, its one infected cell missed. Patient B: 2 of 2 right, no infected cell.
        var rows = new (string Group, int Truth, int Predicted)[] { ("A", 0, 1), ("A", 1, 1), ("B", 1, 1), ("A", 1, 1), ("B", 1, 1), ("A", 1, 1) };
        var images = rows.Select((r, i) => new LabeledImage($"{i}.png", Labels[r.Truth], r.Group)).ToList();
        var scored = new ScoredSet(Labels, rows.Select(r => r.Truth).ToList(),
            rows.Select(r => r.Predicted == 0 ? new[] { 0.9f, 0.1f } : new[] { 0.2f, 0.8f }).ToList());

        var groups = GroupBreakdown.Compute(images, scored, positiveIndex: 0);

        Assert.That(groups.Select(g => g.Group), Is.EqualTo(new[] { "A", "B" }));
        Assert.That(groups[0], Is.EqualTo(new GroupScore("A", 4, 3, 1, 0)));
        Assert.That(groups[0].Accuracy, Is.EqualTo(0.75));
        Assert.That(groups[0].Recall, Is.EqualTo(0.0));
        Assert.That(groups[1].Recall, Is.Null, "no infected cell, no recall");
        Assert.That(GroupBreakdown.ToCsv(groups).Split('\n')[1], Is.EqualTo("A,4,3,0.7500,1,0,0.0000"));
        Assert.That(GroupBreakdown.ToMarkdown(groups, "Parasitized"), Does.Contain("2 groups, accuracy from 75.0 % to 100.0 %"));
    }

    [Test]
    public void RejectsRowsThatDoNotMatchTheImages()
    {
        var scored = new ScoredSet(Labels, [0], [new[] { 0.9f, 0.1f }]);
        Assert.Throws<ArgumentException>(() => GroupBreakdown.Compute([], scored, 0));
    }
}
