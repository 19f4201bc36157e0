using Malaria.Training.Evaluation;
using SkiaSharp;

namespace Malaria.Training.Tests.Evaluation;

/// <summary>history.png from a history.csv as the trainer writes it, with and without a validation part.</summary>
public class HistoryChartTests
{
    private const string Header = "epoch,trainLoss,trainAccuracy,validationLoss,validationAccuracy,validationAuc,learningRate,seconds,imagesPerSecond";

    [TestCase("0.61,0.8", "")]
    [TestCase("NaN,NaN", "without validation")]
    public void DrawsThePanelsOfAHistory(string validation, string _)
    {
        using var folder = new TempFolder();
        var lines = Enumerable.Range(1, 5).Select(e => $"{e},{1.0 / e:G6},{0.5 + e / 20.0:G6},{validation},0.9,{0.003 / e:G6},10.0,600.0");
        var csv = folder.Write("history.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', [Header, .. lines]) + "\n"));

        using var bitmap = SKBitmap.Decode(HistoryChart.Draw(csv));

        Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((1200, 420)));
        // The training curve is drawn in its blue somewhere in the loss panel.
        var blue = Enumerable.Range(60, 320).SelectMany(x => Enumerable.Range(60, 300).Select(y => bitmap.GetPixel(x, y)))
            .Count(c => c.Blue > 120 && c.Red < 80);
        Assert.That(blue, Is.GreaterThan(50));
    }

    [Test]
    public void AHistoryWithoutAColumnIsAClearError()
    {
        using var folder = new TempFolder();
        var csv = folder.Write("history.csv", "epoch,trainLoss\n1,0.5\n"u8.ToArray());
        Assert.That(() => HistoryChart.Draw(csv), Throws.TypeOf<InvalidDataException>().With.Message.Contains("has no column").And.Message.Contains("history.csv"));
    }
}
