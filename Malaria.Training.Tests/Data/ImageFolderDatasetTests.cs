using Malaria.Training.Data;
using Malaria.Training.Commands;

namespace Malaria.Training.Tests.Data;

public class ImageFolderDatasetTests
{
    [Test]
    public void ReadsLabelsFromFolderNamesAndAcceptsEveryFormatInAnyCase()
    {
        using var tree = new TempFolder();
        tree.Write("Parasitized/C1P1_a.png", TestImages.Png(TestImages.Tint.Red, 10, 12, seed: 1));
        tree.Write("Parasitized/C1P1_b.JPG", TestImages.Jpeg(TestImages.Tint.Red, 9, 9, seed: 2));
        tree.Write("Parasitized/C2P2_c.Jpeg", TestImages.Jpeg(TestImages.Tint.Red, 9, 9, seed: 90));
        tree.Write("Uninfected/C3N_d.BMP", TestImages.Bmp(TestImages.Tint.Red, 7, 5, seed: 3));
        tree.Write("Uninfected/C3N_e.PNG", TestImages.Png(TestImages.Tint.Red, 20, 30, seed: 4));

        var dataset = ImageFolderDataset.Load(tree.Path);

        Assert.That(dataset.Labels, Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
        Assert.That(dataset.CountByLabel["Parasitized"], Is.EqualTo(3));
        Assert.That(dataset.CountByLabel["Uninfected"], Is.EqualTo(2));
        Assert.That(dataset.Problems, Is.Empty);
        Assert.That(dataset.Images.Select(i => i.Group).Distinct(), Is.EquivalentTo(new[] { "C1", "C2", "C3" }));
        var bmpIndex = dataset.Images.ToList().FindIndex(i => i.Path.EndsWith(".BMP"));
        Assert.That(dataset.Sizes[bmpIndex], Is.EqualTo((7, 5)));
    }

    [Test]
    public void SkipsNonImagesAndExcludesEmptyTruncatedAndUndecodableFilesByName()
    {
        using var tree = new TempFolder();
        tree.Write("A/C1_good.png", TestImages.Png(TestImages.Tint.Red, seed: 10));
        tree.Write("A/Thumbs.db", [1, 2, 3]);
        tree.Write("A/notes.txt", "hello"u8.ToArray());
        tree.Write("A/C1_empty.png", []);
        var png = TestImages.Png(TestImages.Tint.Red, 16, 16, seed: 20);
        tree.Write("A/C1_truncated.png", png[..(png.Length / 2)]);
        var jpeg = TestImages.Jpeg(TestImages.Tint.Red, 16, 16, seed: 30);
        tree.Write("A/C1_truncated.jpg", jpeg[..(jpeg.Length - 10)]);
        tree.Write("B/C2_garbage.png", "this is not an image at all"u8.ToArray());
        var corrupt = TestImages.Png(TestImages.Tint.Red, 16, 16, seed: 40);
        corrupt[^20] ^= 0xFF; // flips a bit inside the image data: the chunk CRC no longer matches
        tree.Write("B/C2_bitflip.png", corrupt);
        tree.Write("B/C2_good.bmp", TestImages.Bmp(TestImages.Tint.Red, seed: 50));

        var dataset = ImageFolderDataset.Load(tree.Path);

        Assert.That(dataset.Images.Select(i => Path.GetFileName(i.Path)), Is.EquivalentTo(new[] { "C1_good.png", "C2_good.bmp" }));
        string[] Names(ImageFolderProblemKind kind) => dataset.Problems.Where(p => p.Kind == kind).Select(p => Path.GetFileName(p.Path)).ToArray();
        Assert.That(Names(ImageFolderProblemKind.NotAnImage), Is.EquivalentTo(new[] { "Thumbs.db", "notes.txt" }));
        Assert.That(Names(ImageFolderProblemKind.Empty), Is.EquivalentTo(new[] { "C1_empty.png" }));
        Assert.That(Names(ImageFolderProblemKind.Corrupt), Is.EquivalentTo(new[] { "C1_truncated.png", "C1_truncated.jpg", "C2_garbage.png", "C2_bitflip.png" }));
        Assert.That(dataset.Problems.Single(p => p.Path.EndsWith("C1_truncated.png")).Detail, Does.Contain("truncated"));
    }

    [Test]
    public void KeepsOneCopyOfByteIdenticalFilesAndDropsCopiesUnderDifferentLabels()
    {
        using var tree = new TempFolder();
        var image = TestImages.Png(TestImages.Tint.Red, seed: 60);
        tree.Write("A/C1_x.png", image);
        tree.Write("A/C1_x_copy.png", image);
        tree.Write("A/sub/C1_x_again.png", image);
        var ambiguous = TestImages.Png(TestImages.Tint.Red, seed: 70);
        tree.Write("A/C2_y.png", ambiguous);
        tree.Write("B/C2_y.png", ambiguous);
        tree.Write("B/C3_z.png", TestImages.Png(TestImages.Tint.Red, seed: 80));

        var dataset = ImageFolderDataset.Load(tree.Path);

        Assert.That(dataset.Images.Select(i => Path.GetFileName(i.Path)), Is.EquivalentTo(new[] { "C1_x.png", "C3_z.png" }));
        var duplicates = dataset.Problems.Where(p => p.Kind == ImageFolderProblemKind.Duplicate).ToList();
        Assert.That(duplicates.Select(d => Path.GetFileName(d.Path)), Is.EquivalentTo(new[] { "C1_x_copy.png", "C1_x_again.png" }));
        Assert.That(duplicates[0].Detail, Does.Contain("C1_x.png"));
        Assert.That(dataset.Problems.Count(p => p.Kind == ImageFolderProblemKind.ConflictingLabels), Is.EqualTo(2));
    }

    [Test]
    public void ReadsTheKaggleNestedDuplicateTreeOnce()
    {
        using var tree = new TempFolder();
        foreach (var prefix in new[] { "cell_images/", "cell_images/cell_images/" })
        {
            tree.Write(prefix + "Parasitized/C1P1_a.png", TestImages.Png(TestImages.Tint.Red, seed: 1));
            tree.Write(prefix + "Parasitized/Thumbs.db", [0]);
            tree.Write(prefix + "Uninfected/C2N_b.png", TestImages.Png(TestImages.Tint.Red, seed: 2));
        }

        // Pointing at the zip's top folder or at the folder above it gives the same dataset.
        foreach (var root in new[] { tree.Combine("cell_images"), tree.Path })
        {
            var dataset = ImageFolderDataset.Load(root);
            Assert.That(dataset.Images, Has.Count.EqualTo(2), root);
            Assert.That(dataset.Labels, Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
            Assert.That(dataset.NestedDuplicateTree, Is.EqualTo(tree.Combine("cell_images", "cell_images")));
            Assert.That(dataset.Problems.Count(p => p.Kind == ImageFolderProblemKind.NotAnImage), Is.EqualTo(1));
        }
    }

    [Test]
    public void ARootWithOneLabelFolderIsAClearError()
    {
        using var tree = new TempFolder();
        tree.Write("OnlyLabel/C1_a.png", TestImages.Png(TestImages.Tint.Red));
        var ex = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Load(tree.Path));
        Assert.That(ex!.Message, Does.Contain("1 label folder").And.Contain("OnlyLabel").And.Contain("at least two"));
    }

    [Test]
    public void ARootWithLooseFilesOnlyIsAClearError()
    {
        using var tree = new TempFolder();
        tree.Write("C1_a.png", TestImages.Png(TestImages.Tint.Red));
        var ex = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Load(tree.Path));
        Assert.That(ex!.Message, Does.Contain("0 label folder"));
    }

    [Test]
    public void AnEmptyLabelFolderIsAClearError()
    {
        using var tree = new TempFolder();
        tree.Write("A/C1_a.png", TestImages.Png(TestImages.Tint.Red));
        tree.Write("B/Thumbs.db", [1]);
        var ex = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Load(tree.Path));
        Assert.That(ex!.Message, Does.Contain(tree.Combine("B")).And.Contain("no usable images"));
    }

    [Test]
    public void AMissingRootIsAClearError()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => ImageFolderDataset.Load("/no/such/folder"));
        Assert.That(ex!.Message, Does.Contain("/no/such/folder"));
    }

    [Test]
    public void AcceptsUnusualLabelNamesAndMoreThanTwoLabels()
    {
        using var tree = new TempFolder();
        string[] labels = ["ring stage", "Gamétocyte", "ünïcode-λ", "with,comma"];
        for (var i = 0; i < labels.Length; i++) tree.Write($"{labels[i]}/C{i}_x.png", TestImages.Png(TestImages.Tint.Red, seed: (byte)(10 * i)));

        var dataset = ImageFolderDataset.Load(tree.Path);

        Assert.That(dataset.Labels, Is.EquivalentTo(labels));
        Assert.That(dataset.Images.Select(i => i.Label), Is.EquivalentTo(labels));
        // The label survives a round trip through the split CSV.
        var file = tree.Combine("split.csv");
        SplitFile.Write(file, PatientSplitter.Split(dataset.Images, seed: 1, validationFraction: 0.25, testFraction: 0.25));
        Assert.That(SplitFile.Read(file).Select(e => e.Image.Label), Is.EquivalentTo(labels));
    }
}
