using Malaria.Training.Data;

namespace Malaria.Training.Tests.Data;

public class SplitFileTests
{
    [Test]
    public void RoundTripsEntriesWithRelativeAndQuotedValues()
    {
        var folder = Directory.CreateTempSubdirectory("split-").FullName;
        try
        {
            var entries = new[]
            {
                new SplitEntry(new LabeledImage(Path.Combine(folder, "a", "x.png"), "Parasitized", "C1"), SplitPart.Train),
                new SplitEntry(new LabeledImage(Path.Combine(folder, "b,c", "y.png"), "odd, \"label\"", "C2"), SplitPart.Test),
            };
            var file = Path.Combine(folder, "split.csv");
            SplitFile.Write(file, entries);
            var read = SplitFile.Read(file);
            Assert.That(read, Is.EqualTo(entries));
            Assert.That(File.ReadAllLines(file)[1], Is.EqualTo("a/x.png,Parasitized,C1,train"));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Test]
    public void RejectsAFileWithoutTheHeader()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "x.png,A,C1,train\n");
        var ex = Assert.Throws<InvalidDataException>(() => SplitFile.Read(file));
        Assert.That(ex!.Message, Does.Contain(file));
    }
}
