using Malaria.Inference.Explainability;
using Malaria.Inference.Imaging;
using SkiaSharp;

namespace Malaria.Inference.Tests.Explainability;

public class HeatmapTests
{
    [Test]
    public void CutsNegativeEvidenceScalesToOneAndUpsamples()
    {
        // 2x2 map: the top-left cell is the only positive evidence.
        var heatmap = Heatmap.FromActivationMap([4f, -3f, 0f, -1f], 2, 2, 8, 8);

        Assert.That(heatmap.Width, Is.EqualTo(8));
        Assert.That(heatmap.Values.Max(), Is.EqualTo(1f));
        Assert.That(heatmap.Values.Min(), Is.EqualTo(0f));
        Assert.That(heatmap[0, 0], Is.EqualTo(1f));
        Assert.That(heatmap[7, 7], Is.EqualTo(0f));
        // Bilinear: monotone fall-off from the hot corner along the diagonal.
        var diagonal = Enumerable.Range(0, 8).Select(i => heatmap[i, i]).ToArray();
        Assert.That(diagonal, Is.Ordered.Descending);
    }

    [Test]
    public void AConstantMapStaysConstantAndNoEvidenceGivesZeros()
    {
        Assert.That(Heatmap.FromActivationMap([2f, 2f, 2f, 2f], 2, 2, 5, 3).Values, Is.All.EqualTo(1f));
        Assert.That(Heatmap.FromActivationMap([-2f, 0f, -1f, 0f], 2, 2, 5, 3).Values, Is.All.EqualTo(0f));
    }

    [Test]
    public void ViridisRunsFromPurpleToYellow()
    {
        Assert.That(Colormap.Viridis(0), Is.EqualTo(((byte)68, (byte)1, (byte)84)));
        Assert.That(Colormap.Viridis(1), Is.EqualTo(((byte)253, (byte)231, (byte)37)));
        Assert.That(Colormap.Viridis(2), Is.EqualTo(Colormap.Viridis(1)));
        // Perceptual maps rise steadily in lightness; green is a fair proxy here.
        var greens = Enumerable.Range(0, 11).Select(i => (int)Colormap.Viridis(i / 10f).G).ToArray();
        Assert.That(greens, Is.Ordered.Ascending);
    }

    [Test]
    public void OverlayIsAValidPngOfTheImageSizeBlendingCellAndHeat()
    {
        const int w = 6, h = 4;
        var rgba = new byte[w * h * 4];
        for (var i = 0; i < w * h; i++) { rgba[i * 4] = 255; rgba[i * 4 + 1] = 255; rgba[i * 4 + 2] = 255; rgba[i * 4 + 3] = 255; }
        var heatmap = new Heatmap(w, h, Enumerable.Range(0, w * h).Select(i => i % w / (float)(w - 1)).ToArray());

        var png = HeatmapOverlay.ToPng(rgba, heatmap);

        Assert.That(ImageHeaderReader.Read(png, "overlay.png"), Is.EqualTo(new ImageHeader(ImageFormat.Png, w, h, 8)));
        using var decoded = SKBitmap.Decode(png);
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((w, h)));
        var cold = decoded.GetPixel(0, 0);
        var hot = decoded.GetPixel(w - 1, 0);
        // Half white, half viridis(0) = (68,1,84) -> (162,128,170); viridis(1) = (253,231,37) -> (254,243,146).
        Assert.That((cold.Red, cold.Green, cold.Blue), Is.EqualTo(((byte)162, (byte)128, (byte)170)));
        Assert.That((hot.Red, hot.Green, hot.Blue), Is.EqualTo(((byte)254, (byte)243, (byte)146)));
    }
}
