using Malaria.Inference.Imaging;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>A batch's decoded pixel memory is bounded from the headers, before anything is decoded.</summary>
public sealed class DecodedMemoryBudgetTests
{
    [Test]
    public void The_cost_of_an_image_is_four_bytes_a_pixel_from_its_header()
    {
        var header = ImageHeaderReader.Read(TestImages.Png(TestImages.Tint.Red, 24, 20), "cell.png");
        Assert.That(DecodedMemoryBudget.CostOf(header), Is.EqualTo(24 * 20 * 4));
        Assert.That(DecodedMemoryBudget.CostOf(65_535, 65_535), Is.EqualTo(65_535L * 65_535 * 4), "no int overflow");
    }

    [Test]
    public void Images_are_added_until_the_next_would_pass_the_budget()
    {
        var budget = new DecodedMemoryBudget(maxBytes: 10 * 10 * 4 * 3);  // three 10 x 10 images
        Assert.That(budget.TryAdd(10, 10), Is.True);
        Assert.That(budget.TryAdd(10, 10), Is.True);
        Assert.That(budget.TryAdd(10, 10), Is.True);
        Assert.That(budget.TryAdd(1, 1), Is.False, "full: flush the batch first");
        Assert.That((budget.Count, budget.UsedBytes), Is.EqualTo((3, 1200L)));

        budget.Clear();
        Assert.That((budget.Count, budget.UsedBytes), Is.EqualTo((0, 0L)));
        Assert.That(budget.TryAdd(1, 1), Is.True);
    }

    [Test]
    public void One_image_larger_than_the_budget_is_still_accepted_alone()
    {
        var budget = new DecodedMemoryBudget(maxBytes: 100);
        Assert.That(budget.TryAdd(100, 100), Is.True, "an empty batch always takes one image: MaxPixels bounds single images");
        Assert.That(budget.TryAdd(1, 1), Is.False);
    }

    [Test]
    public void The_batch_limit_has_a_default_and_must_be_positive()
    {
        Assert.That(ImageLimits.Default.MaxBatchDecodedBytes, Is.EqualTo(256L * 1024 * 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodedMemoryBudget(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Malaria.Inference.MalariaClassifierOptions { ImageLimits = { MaxBatchDecodedBytes = 0 } }.Validate());
    }
}
