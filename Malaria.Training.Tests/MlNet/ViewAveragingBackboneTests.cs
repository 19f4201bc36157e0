using Malaria.Training.MlNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.Tests.MlNet;

public class ViewAveragingBackboneTests
{
    [Test]
    public void WrappedGraphReturnsTheMeanFeaturesOfTheEightViews()
    {
        var backbone = SharedData.MobileNetV2Onnx;
        using var folder = new TempFolder();
        var wrapped = folder.Combine("wrapped.onnx");
        File.WriteAllBytes(wrapped, ViewAveragingBackbone.Wrap(File.ReadAllBytes(backbone)));

        MLImageColumnType.EnsureRegistered();
        var ml = new MLContext(1);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Row>());
        using var plain = ml.Model.CreatePredictionEngine<Row, Output>(
            MobileNetV2Backbone.Featurizer(ml, backbone, "Image", ImageResizingEstimator.ResizingKind.Fill).Fit(empty));
        using var averaging = ml.Model.CreatePredictionEngine<Row, Output>(
            MobileNetV2Backbone.Featurizer(ml, wrapped, "Image", ImageResizingEstimator.ResizingKind.Fill).Fit(empty));

        // A 224 x 224 image, so ResizeImages passes it (and each view) through untouched and the plain graph sees
        // exactly the pixels the wrapped graph flips and transposes. (ResizeImages disposes pass-through images itself.)
        var expected = new float[MobileNetV2Backbone.FeatureCount];
        foreach (var variant in ImageVariants.Of(ImageAugmentation.Dihedral))
        {
            var features = plain.Predict(new Row { Image = ImageVariants.Apply(TestImages.Decoded(TestImages.Tint.Red, 224, seed: 7), variant) }).Features;
            for (var i = 0; i < expected.Length; i++) expected[i] += features[i] / 8;
        }
        var actual = averaging.Predict(new Row { Image = TestImages.Decoded(TestImages.Tint.Red, 224, seed: 7) }).Features;
        var identity = plain.Predict(new Row { Image = TestImages.Decoded(TestImages.Tint.Red, 224, seed: 7) }).Features;

        Assert.That(actual, Has.Length.EqualTo(MobileNetV2Backbone.FeatureCount));
        Assert.That(actual, Is.EqualTo(expected).Within(2e-3f));
        Assert.That(identity, Is.Not.EqualTo(actual).Within(1e-3f), "averaging changes the features");
    }

    private sealed class Row
    {
        public MLImage? Image { get; set; }
    }

    private sealed class Output
    {
        [ColumnName("features")]
        public float[] Features { get; set; } = [];
    }
}
