using Malaria.Training.Data;
using Malaria.Training.Torch;

namespace Malaria.Training.Tests.Torch;

/// <summary>Reading a teacher's cached predictions for distillation: rows matched to training images by path.</summary>
public class TeacherPredictionsTests
{
    private TempFolder temp = null!;

    [SetUp]
    public void SetUp() => temp = new TempFolder("malaria-teacher-");

    [TearDown]
    public void TearDown() => temp.Dispose();

    /// <summary>Three images under /data/&lt;label&gt;/, the layout score's paths are relative to.</summary>
    private static DecodedImageSet Images() => DecodedImageSet.FromPixels(
        [new LabeledImage("/data/Parasitized/a.png", "Parasitized", "P1"), new LabeledImage("/data/Uninfected/b.png", "Uninfected", "P1"), new LabeledImage("/data/Uninfected/a.png", "Uninfected", "P2")],
        8, new byte[3 * 3 * 8 * 8], [0, 1, 1]);

    private string Write(params string[] lines)
    {
        var path = temp.Combine($"scores-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Test]
    public void RowsRelativeToTheScoredFolderMatchTheImagesFullPathsInTheSetsOrder()
    {
        // score's own columns, rows in another order, and a row for an image outside the set (a test cell not trained on).
        var file = Write("path,group,label,probability,model_version,error",
            "Uninfected/a.png,Uninfected,Uninfected,0.25,v1,",
            "Parasitized/a.png,Parasitized,Parasitized,0.875,v1,",
            "Uninfected/b.png,Uninfected,Uninfected,0.0625,v1,",
            "Parasitized/c.png,Parasitized,Parasitized,0.5,v1,");

        Assert.That(TeacherPredictions.For(Images(), file), Is.EqualTo(new[] { 0.875f, 0.0625f, 0.25f }));
    }

    [Test]
    public void AnImageWithoutAPredictionIsNamedWithTheCount()
    {
        var file = Write("path,probability", "Parasitized/a.png,0.9", "Uninfected/b.png,");  // b: the teacher could not score it

        Assert.That(() => TeacherPredictions.For(Images(), file), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains(file).And.Message.Contains("2 of the 3 training images").And.Message.Contains("/data/Uninfected/b.png"));
    }

    [Test]
    public void TwoRowsMatchingOneImageAreAnError()
    {
        var file = Write("path,probability", "a.png,0.1", "Parasitized/a.png,0.9", "Uninfected/b.png,0.1", "Uninfected/a.png,0.2");

        Assert.That(() => TeacherPredictions.For(Images(), file), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("lines 2 and 3").And.Message.Contains("/data/Parasitized/a.png"));
    }

    [TestCase("1.5")]
    [TestCase("high")]
    public void AProbabilityOutsideZeroToOneNamesItsLine(string value)
    {
        var file = Write("path,probability", "Parasitized/a.png,0.9", $"Uninfected/b.png,{value}");

        Assert.That(() => TeacherPredictions.For(Images(), file), Throws.TypeOf<InvalidDataException>().With.Message.Contains("line 3").And.Message.Contains(value));
    }

    [Test]
    public void AFileWithoutAProbabilityColumnOrMissingIsAClearError()
    {
        var noColumn = Write("path,label", "Parasitized/a.png,Parasitized");
        Assert.That(() => TeacherPredictions.For(Images(), noColumn), Throws.TypeOf<InvalidDataException>().With.Message.Contains("probability column"));
        Assert.That(() => TeacherPredictions.For(Images(), temp.Combine("none.csv")), Throws.TypeOf<FileNotFoundException>().With.Message.Contains("none.csv").And.Message.Contains("score"));
    }
}
