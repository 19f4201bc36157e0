using Malaria.Training.MlNet;
using Microsoft.ML.Data;

namespace Malaria.Training.Tests.MlNet;

public class ImageVariantsTests
{
    // A 3 x 2 image whose pixel at (x, y) has red = 10 * y + x:
    //   0  1  2
    //  10 11 12
    private static MLImage Sample()
    {
        var pixels = new byte[3 * 2 * 4];
        for (var y = 0; y < 2; y++)
            for (var x = 0; x < 3; x++)
                pixels[(y * 3 + x) * 4] = (byte)(10 * y + x);
        return MLImage.CreateFromPixels(3, 2, MLPixelFormat.Rgba32, pixels);
    }

    private static int[][] Reds(MLImage image)
    {
        var pixels = image.Pixels.ToArray();
        return [.. Enumerable.Range(0, image.Height).Select(y => Enumerable.Range(0, image.Width).Select(x => (int)pixels[(y * image.Width + x) * 4]).ToArray())];
    }

    [TestCase(ImageVariant.Identity, new[] { 0, 1, 2 }, new[] { 10, 11, 12 })]
    [TestCase(ImageVariant.FlipHorizontal, new[] { 2, 1, 0 }, new[] { 12, 11, 10 })]
    [TestCase(ImageVariant.FlipVertical, new[] { 10, 11, 12 }, new[] { 0, 1, 2 })]
    [TestCase(ImageVariant.Rotate180, new[] { 12, 11, 10 }, new[] { 2, 1, 0 })]
    public void SameShapeVariantsMoveEveryPixel(ImageVariant variant, int[] row0, int[] row1)
    {
        using var source = Sample();
        using var result = ImageVariants.Apply(source, variant);
        Assert.That(Reds(result), Is.EqualTo(new[] { row0, row1 }));
    }

    [TestCase(ImageVariant.Rotate90, new[] { 10, 0 }, new[] { 11, 1 }, new[] { 12, 2 })]
    [TestCase(ImageVariant.Rotate270, new[] { 2, 12 }, new[] { 1, 11 }, new[] { 0, 10 })]
    [TestCase(ImageVariant.Transpose, new[] { 0, 10 }, new[] { 1, 11 }, new[] { 2, 12 })]
    [TestCase(ImageVariant.Transverse, new[] { 12, 2 }, new[] { 11, 1 }, new[] { 10, 0 })]
    public void QuarterTurnsSwapWidthAndHeight(ImageVariant variant, int[] row0, int[] row1, int[] row2)
    {
        using var source = Sample();
        using var result = ImageVariants.Apply(source, variant);
        Assert.That((result.Width, result.Height), Is.EqualTo((2, 3)));
        Assert.That(Reds(result), Is.EqualTo(new[] { row0, row1, row2 }));
    }

    [Test]
    public void AugmentationsListDistinctViewsIdentityFirst()
    {
        Assert.That(ImageVariants.Of(ImageAugmentation.None), Is.EqualTo(new[] { ImageVariant.Identity }));
        Assert.That(ImageVariants.Of(ImageAugmentation.Flips), Has.Count.EqualTo(4).And.Unique);
        Assert.That(ImageVariants.Of(ImageAugmentation.Dihedral), Has.Count.EqualTo(8).And.Unique);
        Assert.That(ImageVariants.Of(ImageAugmentation.Dihedral)[0], Is.EqualTo(ImageVariant.Identity));
    }
}
