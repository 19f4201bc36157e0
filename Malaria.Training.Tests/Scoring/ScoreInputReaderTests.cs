using Malaria.Training.Scoring;

namespace Malaria.Training.Tests.Scoring;

/// <summary>The three inputs of <c>score</c> read into keys, groups and the one fixed order.</summary>
public class ScoreInputReaderTests
{
    private static readonly byte[] Image = TestImages.Bmp(TestImages.Tint.Red);

    [Test]
    public void AFolderGivesItsImagesByRelativePathInOrdinalOrderGroupedByFolder()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { "b/z.png", "b/A.PNG", "a/x.jpg", "a/sub/y.bmp", "top.jpeg", "a/notes.txt", "a/.hidden.png" })
            folder.Write(Path.Combine("root", name), Image);

        var input = ScoreInputReader.Read(folder.Combine("root"));

        Assert.That(input.Kind, Is.EqualTo(ScoreInputKind.Folder));
        Assert.That(input.Items.Select(i => (i.Key, i.Group)), Is.EqualTo(new[]
        {
            ("a/sub/y.bmp", "a/sub"), ("a/x.jpg", "a"), ("b/A.PNG", "b"), ("b/z.png", "b"), ("top.jpeg", "."),
        }));
        Assert.That(input.FullPath(input.Items[0]), Is.EqualTo(folder.Combine("root", "a", "sub", "y.bmp")));
    }

    [Test]
    public void AListTakesPathsFromItsFolderSkipsCommentsAndKeepsOutsidePathsAbsolute()
    {
        using var folder = new TempFolder();
        var outside = folder.Write("elsewhere/o.png", Image);
        Directory.CreateDirectory(folder.Combine("list"));
        File.WriteAllLines(folder.Combine("list", "cells.txt"),
            ["# cells of slide 3", "s3/b.png", "", "  ./s3/a.png  ", outside]);

        var input = ScoreInputReader.Read(folder.Combine("list", "cells.txt"));

        Assert.That(input.Kind, Is.EqualTo(ScoreInputKind.FileList));
        Assert.That(input.Items.Select(i => i.Key), Is.EqualTo(new[] { outside, "s3/a.png", "s3/b.png" }.Order(StringComparer.Ordinal)));
        Assert.That(input.Items.Single(i => i.Key == "s3/a.png").Group, Is.EqualTo("s3"));
        Assert.That(input.FullPath(input.Items.Single(i => i.Key == "s3/a.png")), Is.EqualTo(folder.Combine("list", "s3", "a.png")), "listed files need not exist to be read; scoring reports them");
    }

    [Test]
    public void ThePathNamedTwiceInAnyFormIsRefused()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.Combine("cells.txt"), ["s/a.png", "s/b.png", "./s/a.png"]);

        var ex = Assert.Throws<InvalidDataException>(() => ScoreInputReader.Read(folder.Combine("cells.txt")));

        Assert.That(ex!.Message, Does.Contain("'s/a.png' more than once").And.Contain(folder.Combine("cells.txt")));
    }

    [Test]
    public void ACsvGivesThePathColumnAndTheFirstGroupColumnPresentOrTheNamedOne()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.Combine("manifest.csv"),
            ["relpath,label,patient_id,group_prefix", "cells/P/c1.png,Parasitized,C47P8thinA,C47", "cells/U/c2.png,Uninfected,C47P8thinB,C47", "\"cells/U/c,3.png\",Uninfected,C9,C9"]);
        File.WriteAllLines(folder.Combine("split.csv"), ["path,label,group,part", "x/1.png,Parasitized,C1,test"]);
        File.WriteAllLines(folder.Combine("plain.csv"), ["path,label", "x/1.png,Parasitized"]);

        var manifest = ScoreInputReader.Read(folder.Combine("manifest.csv"));
        var byPatientId = ScoreInputReader.Read(folder.Combine("manifest.csv"), groupColumn: "patient_id");

        Assert.That(manifest.Kind, Is.EqualTo(ScoreInputKind.Manifest));
        Assert.That(manifest.Items.Select(i => (i.Key, i.Group)), Is.EqualTo(new[] { ("cells/P/c1.png", "C47"), ("cells/U/c,3.png", "C9"), ("cells/U/c2.png", "C47") }),
            "group_prefix before patient_id: one patient seen through two microscopes is one group");
        Assert.That(byPatientId.Items.Select(i => i.Group), Is.EqualTo(new[] { "C47P8thinA", "C9", "C47P8thinB" }));
        Assert.That(ScoreInputReader.Read(folder.Combine("split.csv")).Items.Single().Group, Is.EqualTo("C1"));
        Assert.That(ScoreInputReader.Read(folder.Combine("plain.csv")).Items.Single().Group, Is.EqualTo("x"), "no group column: the folder");
    }

    [Test]
    public void ACsvWithoutAPathColumnOrTheNamedGroupColumnIsRefusedNamingTheColumns()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.Combine("odd.csv"), ["file,label", "a.png,Parasitized"]);
        File.WriteAllLines(folder.Combine("split.csv"), ["path,label,group,part", "a.png,Parasitized,C1,test"]);

        var noPath = Assert.Throws<InvalidDataException>(() => ScoreInputReader.Read(folder.Combine("odd.csv")));
        var noGroup = Assert.Throws<InvalidDataException>(() => ScoreInputReader.Read(folder.Combine("split.csv"), groupColumn: "patient"));

        Assert.That(noPath!.Message, Does.Contain("has no path column").And.Contain("'file,label'").And.Contain("path, relpath"));
        Assert.That(noGroup!.Message, Does.Contain("no column 'patient'").And.Contain("path, label, group, part"));
    }
}
