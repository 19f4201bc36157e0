using Malaria.Inference;
using Malaria.Inference.Imaging;
using Microsoft.ML.Data;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>
/// Inputs far from the training crops are flagged on the prediction, and can be reduced to their central cell on
/// black; masked crops like the training data are never changed.
/// </summary>
public sealed class InputDomainTests
{
    /// <summary>A real NIH cell when ../shared is present.</summary>
    private static MLImage RealCell(string label, int index = 0)
    {
        var folder = Path.Combine(SharedData.MalariaImages, label);
        return ImageDecoder.DecodeFile(Directory.EnumerateFiles(folder, "*.png").Order(StringComparer.Ordinal).ElementAt(index));
    }

    /// <summary>
    /// The crop with its black mask replaced by a plasma colour and, with <paramref name="margin"/>, a plasma margin
    /// around it: a bounding-box crop from a smear with some room around the cell. The cell's own pixels are marked
    /// in <paramref name="cellPixels"/> (in the new frame).
    /// </summary>
    private static MLImage OnPlasma(MLImage cell, out bool[] cellPixels, int margin = 0)
    {
        var source = cell.Pixels;
        int width = cell.Width + 2 * margin, height = cell.Height + 2 * margin;
        var pixels = new byte[width * height * 4];
        cellPixels = new bool[width * height];
        var random = new Random(3);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var o = (y * width + x) * 4;
                int sx = x - margin, sy = y - margin;
                if (sx >= 0 && sy >= 0 && sx < cell.Width && sy < cell.Height)
                {
                    var s = (sy * cell.Width + sx) * 4;
                    var isCell = !(source[s] <= InputDomain.NearBlack && source[s + 1] <= InputDomain.NearBlack && source[s + 2] <= InputDomain.NearBlack);
                    if (isCell)
                    {
                        source.Slice(s, 4).CopyTo(pixels.AsSpan(o, 4));
                        cellPixels[y * width + x] = true;
                        continue;
                    }
                }
                // BGRA: a pale pinkish-beige plasma with a little noise.
                pixels[o] = (byte)(196 + random.Next(-4, 5));
                pixels[o + 1] = (byte)(206 + random.Next(-4, 5));
                pixels[o + 2] = (byte)(228 + random.Next(-4, 5));
                pixels[o + 3] = 255;
            }
        return MLImage.CreateFromPixels(width, height, cell.PixelFormat, pixels);
    }

    [Test]
    public void A_training_crop_has_no_warning_and_is_never_isolated()
    {
        using var cell = RealCell("Parasitized");
        Assert.That(InputDomain.Assess(cell), Is.EqualTo(InputWarnings.None));
        Assert.That(CentralCellIsolation.Isolate(cell), Is.Null, "a masked crop is left alone");
    }

    [Test]
    public void Unmasked_and_oddly_sized_crops_are_flagged()
    {
        using var cell = RealCell("Uninfected");
        using var plasma = OnPlasma(cell, out _);
        Assert.That(InputDomain.Assess(plasma), Is.EqualTo(InputWarnings.NoMaskedBackground));
        using var tiny = MLImage.CreateFromPixels(30, 30, MLPixelFormat.Bgra32, new byte[30 * 30 * 4]);
        Assert.That(InputDomain.Assess(tiny), Is.EqualTo(InputWarnings.UnusualSize));
        using var field = MLImage.CreateFromPixels(640, 480, MLPixelFormat.Bgra32, Enumerable.Repeat((byte)200, 640 * 480 * 4).ToArray());
        Assert.That(InputDomain.Assess(field), Is.EqualTo(InputWarnings.UnusualSize | InputWarnings.NoMaskedBackground));
    }

    [TestCase("Parasitized", 0)]
    [TestCase("Parasitized", 1)]
    [TestCase("Uninfected", 0)]
    [TestCase("Uninfected", 1)]
    public void A_cell_on_plasma_is_isolated_back_to_its_own_pixels(string label, int index)
    {
        using var cell = RealCell(label, index);
        using var plasma = OnPlasma(cell, out var truth, margin: 12);
        using var isolated = CentralCellIsolation.Isolate(plasma);
        Assert.That(isolated, Is.Not.Null);
        Assert.That(InputDomain.Assess(isolated!) & InputWarnings.NoMaskedBackground, Is.EqualTo(InputWarnings.None), "the result looks masked");

        // Compare the kept pixels with the cell's own: intersection over union of the two masks, in the crop's frame.
        var kept = isolated!.Pixels;
        int cellPixels = truth.Count(t => t), keptPixels = 0;
        for (var i = 0; i < kept.Length; i += 4)
            if (kept[i] > InputDomain.NearBlack || kept[i + 1] > InputDomain.NearBlack || kept[i + 2] > InputDomain.NearBlack) keptPixels++;
        var overlap = Math.Min(cellPixels, keptPixels) / (double)Math.Max(cellPixels, keptPixels);
        TestContext.Out.WriteLine($"{label} {index}: cell {cellPixels} px, kept {keptPixels} px, isolated {isolated.Width}x{isolated.Height} of {cell.Width}x{cell.Height}");
        Assert.That(overlap, Is.GreaterThan(0.9), "the kept area is the cell's");
        Assert.That(isolated.Width, Is.InRange(cell.Width - 8, cell.Width), "cropped to the cell, the plasma margin gone");
    }

    [Test]
    public void A_crop_whose_edge_is_lined_with_other_cells_is_left_as_it_is()
    {
        // A cell in a tight grid of cells: its edge is cells, not one background, so no split is trusted.
        const int size = 120;
        var pixels = new byte[size * size * 4];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var o = (y * size + x) * 4;
                int cx = (x + 20) % 40 - 20, cy = (y + 20) % 40 - 20;
                var inCell = cx * cx + cy * cy < 18 * 18;
                (pixels[o], pixels[o + 1], pixels[o + 2]) = inCell ? ((byte)150, (byte)120, (byte)190) : ((byte)200, (byte)210, (byte)230);
                pixels[o + 3] = 255;
            }
        using var crowded = MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, pixels);
        Assert.That(InputDomain.Assess(crowded), Is.EqualTo(InputWarnings.NoMaskedBackground), "still flagged");
        Assert.That(CentralCellIsolation.Isolate(crowded), Is.Null);
    }

    [Test]
    public void A_synthetic_crop_keeps_the_central_cell_and_drops_its_neighbour()
    {
        const int size = 120;
        var pixels = new byte[size * size * 4];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var o = (y * size + x) * 4;
                var central = (x - 60) * (x - 60) + (y - 60) * (y - 60) < 35 * 35;
                var neighbour = (x - 128) * (x - 128) + (y - 128) * (y - 128) < 30 * 30;  // a cell cut by the corner
                (pixels[o], pixels[o + 1], pixels[o + 2]) = central || neighbour ? ((byte)150, (byte)120, (byte)190) : ((byte)200, (byte)210, (byte)230);
                pixels[o + 3] = 255;
            }
        using var crop = MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, pixels);
        using var isolated = CentralCellIsolation.Isolate(crop);
        Assert.That(isolated, Is.Not.Null);
        Assert.That((isolated!.Width, isolated.Height), Is.EqualTo((71, 71)).Using<(int, int)>((a, b) => Math.Abs(a.Item1 - b.Item1) <= 2 && Math.Abs(a.Item2 - b.Item2) <= 2),
            "cropped to the central disk (diameter 69-71), the neighbour left out");
        var corner = isolated.Pixels[..4].ToArray();
        Assert.That(corner[..3], Is.EqualTo(new byte[] { 0, 0, 0 }), "outside the cell is black");
    }

    [Test]
    public void The_classifier_flags_an_unmasked_crop_and_by_default_scores_its_central_cell()
    {
        using var cell = RealCell("Parasitized");
        using var plasma = OnPlasma(cell, out _, margin: 12);
        using var plain = MalariaClassifier.LoadDefault(new MalariaClassifierOptions { FrameCrops = false });
        using var isolating = MalariaClassifier.LoadDefault();

        var flagged = plain.Classify(plasma);
        Assert.That(flagged.InputWarnings, Is.EqualTo(InputWarnings.NoMaskedBackground));
        Assert.That(plain.Classify(cell).InputWarnings, Is.EqualTo(InputWarnings.None));
        Assert.That(isolating.Classify(cell).ScoreVector, Is.EqualTo(plain.Classify(cell).ScoreVector), "a masked crop scores exactly as before");

        using var isolated = CentralCellIsolation.Isolate(plasma)!;
        var viaOption = isolating.Classify(plasma);
        Assert.That(viaOption.ScoreVector, Is.EqualTo(plain.Classify(isolated).ScoreVector), "the option scores the isolated cell");
        Assert.That(viaOption.InputWarnings, Is.EqualTo(InputWarnings.NoMaskedBackground), "the warning still describes the input");
        Assert.That(isolating.ClassifyBatch([plasma, cell]).Select(p => p.ScoreVector.ToArray()),
            Is.EqualTo(new[] { viaOption.ScoreVector.ToArray(), plain.Classify(cell).ScoreVector.ToArray() }), "batches do the same");
    }

    [Test]
    public void A_masked_cell_small_or_off_centre_in_its_crop_is_cropped_back_to_the_cell()
    {
        using var cell = RealCell("Parasitized");
        // The cell at a quarter of the frame's area, off centre: black all around, as a loose crop.
        int width = cell.Width * 2, height = cell.Height * 2;
        var pixels = new byte[width * height * 4];
        for (var i = 3; i < pixels.Length; i += 4) pixels[i] = 255;
        var source = cell.Pixels;
        for (var y = 0; y < cell.Height; y++)
            source.Slice(y * cell.Width * 4, cell.Width * 4).CopyTo(pixels.AsSpan(((y + 10) * width + 25) * 4, cell.Width * 4));
        using var loose = MLImage.CreateFromPixels(width, height, cell.PixelFormat, pixels);

        Assert.That(InputDomain.Assess(loose), Is.EqualTo(InputWarnings.LooseCrop));
        Assert.That(CropFraming.Frame(cell), Is.Null, "a training crop is already framed");
        using var framed = CropFraming.Frame(loose);
        Assert.That(framed, Is.Not.Null);
        Assert.That((framed!.Width, framed.Height), Is.EqualTo((cell.Width, cell.Height)));
        Assert.That(framed.Pixels.ToArray(), Is.EqualTo(cell.Pixels.ToArray()), "exactly the original crop");

        using var framing = MalariaClassifier.LoadDefault();
        Assert.That(framing.Classify(loose).ScoreVector, Is.EqualTo(framing.Classify(cell).ScoreVector));
        Assert.That(framing.Classify(loose).InputWarnings, Is.EqualTo(InputWarnings.LooseCrop));
    }
}
