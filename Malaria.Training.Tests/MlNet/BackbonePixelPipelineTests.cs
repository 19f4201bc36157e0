using Malaria.Training.MlNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.Tests.MlNet;

/// <summary>Proves the pixel pipeline (resize, planar RGB, raw 0..255) matches what the backbone was trained on.</summary>
public class BackbonePixelPipelineTests
{
    [Test]
    public void ParrotPhotoIsMacawThroughTheProjectsOwnPreprocessing()
    {
        var backbone = SharedData.MobileNetV2Onnx;
        var parrot = Path.Combine(Path.GetDirectoryName(backbone)!, "verify", "parrot.jpg");
        if (!File.Exists(parrot)) Assert.Ignore($"Needs '{parrot}'.");

        var mlContext = new MLContext(1);
        var view = mlContext.Data.LoadFromEnumerable([new ImagePath { Path = parrot }]);
        // The verify photos were made with a centre crop to square, so the check uses IsoCrop (cells use IsoPad).
        var pipeline = mlContext.Transforms.LoadImages("Image", null, nameof(ImagePath.Path))
            .Append(MobileNetV2Backbone.Featurizer(mlContext, backbone, "Image", ImageResizingEstimator.ResizingKind.IsoCrop,
                outputTensorName: "probabilities"));
        var output = pipeline.Fit(view).Transform(view);
        var probabilities = output.GetColumn<VBuffer<float>>("probabilities").Single().DenseValues().ToArray();

        Assert.That(probabilities, Has.Length.EqualTo(1001));
        var top = Array.IndexOf(probabilities, probabilities.Max());
        Assert.That(top, Is.EqualTo(89), "ImageNet index 89 is 'macaw'");
        Assert.That(probabilities[89], Is.GreaterThan(0.9f));
    }

    private sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }
}
