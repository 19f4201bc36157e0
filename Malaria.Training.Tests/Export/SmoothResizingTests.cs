using Malaria.Inference;
using Malaria.Inference.Imaging;
using Malaria.Training.Export;

namespace Malaria.Training.Tests.Export;

/// <summary>An exported network scores an image through the library exactly as it saw that image in training.</summary>
public class SmoothResizingTests
{
    private const int Size = 32;

    [Test]
    public void LibraryFeedsTheTrainersPixelsToZipAndOnnxAlike()
    {
        using var folder = new TempFolder();
        using var model = OnnxExportFixture.Create("cnn", seed: 8);
        var (onnx, zip) = OnnxExportFixture.WritePackage(model, folder.Path, Size, ModelCard.SmoothResizing);
        var image = folder.Write("cell.png", TestImages.Png(TestImages.Tint.Red, 70, 58, seed: 3));

        // What the trainer's DecodedImageSet computes: the library's decoder, then the smooth resize, as planes.
        using var decoded = ImageDecoder.DecodeFile(image);
        var rgba = SmoothResizer.ResizeToRgba(decoded, Size, Size);
        var planes = new float[3 * Size * Size];
        for (var p = 0; p < Size * Size; p++)
            for (var c = 0; c < 3; c++) planes[c * Size * Size + p] = rgba[4 * p + c];
        using var session = OnnxExportFixture.Session(model, Size);
        var expected = OnnxExportFixture.Run(session, planes, 1, Size, TorchOnnxExporter.ProbabilitiesName)[TorchOnnxExporter.ProbabilitiesName];

        foreach (var path in new[] { onnx, zip })
        {
            using var classifier = MalariaClassifier.Load(path);
            Assert.That(classifier.Classify(image).ScoreVector, Is.EqualTo(expected).Within(1e-5f), path);
            Assert.That(classifier.ClassifyBatch([image]).Single().ScoreVector, Is.EqualTo(expected).Within(1e-5f), path);
        }
    }
}
