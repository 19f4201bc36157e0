using Malaria.Training.Data;
using Malaria.Training.Evaluation;

namespace Malaria.Training.Tests.Evaluation;

public class MisclassifiedImagesTests
{
    private static readonly string[] Labels = ["Parasitized", "Uninfected"];

    [Test]
    public void ListsExactlyTheErrorsMostConfidentlyWrongFirst()
    {
        // (group, truth, p(Parasitized)): errors are rows 1 (p 0.6, truth Uninfected), 3 (p 0.05, truth Parasitized)
        // and 4 (p 0.9, truth Uninfected); how wrong: 0.95, 0.9, 0.6.
        var rows = new (string Group, int Truth, float Positive)[] { ("A", 0, 0.8f), ("A", 1, 0.6f), ("B", 1, 0.1f), ("B", 0, 0.05f), ("C", 1, 0.9f) };
        var images = rows.Select((r, i) => new LabeledImage($"/d/{i},x.png", Labels[r.Truth], r.Group)).ToList();
        var scored = new ScoredSet(Labels, rows.Select(r => r.Truth).ToList(), rows.Select(r => new[] { r.Positive, 1 - r.Positive }).ToList());

        var wrong = MisclassifiedImages.Find(images, scored, positiveIndex: 0);

        var errors = Enumerable.Range(0, scored.Count).Count(row => scored.Predicted(row) != scored.Truth[row]);
        Assert.That(wrong, Has.Count.EqualTo(errors));
        Assert.That(wrong.Select(m => m.Path), Is.EqualTo(new[] { "/d/3,x.png", "/d/4,x.png", "/d/1,x.png" }));
        Assert.That(wrong[0], Is.EqualTo(new MisclassifiedImage("/d/3,x.png", "B", "Parasitized", "Uninfected", 0.05f, 1.0 - 0.05f)));
        var csv = MisclassifiedImages.ToCsv(wrong, "Parasitized").Split('\n');
        Assert.That(csv[0], Is.EqualTo("path,patient,trueLabel,predictedLabel,p(Parasitized)"));
        Assert.That(csv[1], Is.EqualTo("\"/d/3,x.png\",B,Parasitized,Uninfected,0.0500"), "a path with a comma is quoted");
        Assert.That(csv, Has.Length.EqualTo(errors + 2), "header, one line per error, trailing newline");
        Assert.That(MisclassifiedImages.ToMarkdown(wrong, images.Count), Does.Contain("3 of 5 images misclassified").And.Contain(MisclassifiedImages.CsvFile));
    }

    [Test]
    public void AnAllCorrectSetHasOnlyTheHeader()
    {
        var images = new[] { new LabeledImage("a.png", "Parasitized", "A") };
        var scored = new ScoredSet(Labels, [0], [new[] { 0.9f, 0.1f }]);
        Assert.That(MisclassifiedImages.Find(images, scored, 0), Is.Empty);
        Assert.That(MisclassifiedImages.ToCsv([], "Parasitized").Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
    }
}
