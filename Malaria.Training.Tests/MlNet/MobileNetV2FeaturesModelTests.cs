using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.MlNet;
using Malaria.Training.Pipelines;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Malaria.Training.Tests.MlNet;

/// <summary>Trains on a handful of real cells and checks the saved model.zip against the training process.</summary>
[Category("RealData")]
public class MobileNetV2FeaturesModelTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void ModelZipReloadedInAFreshContextPredictsLikeTheTrainingProcess(bool averageViews)
    {
        var backbone = SharedData.MobileNetV2Onnx;
        var root = SharedData.MalariaImages;
        string[] labels = ["Parasitized", "Uninfected"];
        var byLabel = labels.ToDictionary(l => l, l => Directory.GetFiles(Path.Combine(root, l), "*.png").Order(StringComparer.Ordinal).ToArray());
        var train = labels.SelectMany(l => byLabel[l].Take(8).Select(p => new LabeledImage(p, l, "train"))).ToList();
        var test = labels.SelectMany(l => byLabel[l].TakeLast(4).Select(p => new LabeledImage(p, l, "test"))).ToList();
        using var folder = new TempFolder();

        var mlContext = new MLContext(1);
        var options = new MobileNetV2FeaturesTrainer.Options
        {
            BackbonePath = backbone,
            WorkspacePath = folder.Combine("cache"),
            ImagePathColumnName = LabeledImageData.ImagePathColumnName,
            // 16 cells: light regularisation so the model is not constant, one view each.
            L1Regularization = 0,
            L2Regularization = 1,
            Augmentation = ImageAugmentation.None,
            AverageViewsAtPrediction = averageViews,
        };
        var trainer = mlContext.MulticlassClassification.Trainers.MobileNetV2Features(options);
        var trainView = LabeledImageData.Load(mlContext, train, labels);
        var chain = trainer.Fit(trainView);
        var model = chain.Append(mlContext.Transforms.Conversion.MapKeyToValue(ModelColumns.PredictedLabel).Fit(chain.Transform(trainView)));
        var modelPath = folder.Combine("model.zip");
        MobileNetV2FeaturesTraining.Save(mlContext, model, modelPath);

        var testView = LabeledImageData.Load(mlContext, test, labels);
        var inProcess = mlContext.Data.CreateEnumerable<Prediction>(model.Transform(testView), reuseRowObject: false).ToList();

        // A fresh context that knows nothing of the training code: stock LoadImages feeds the "Image" column.
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(modelPath, out _);
        var paths = fresh.Data.LoadFromEnumerable(test.Select(t => new ImageFile { Path = t.Path }));
        var images = fresh.Transforms.LoadImages(ModelColumns.Image, null, nameof(ImageFile.Path)).Fit(paths).Transform(paths);
        var reloaded = fresh.Data.CreateEnumerable<Prediction>(loaded.Transform(images), reuseRowObject: false).ToList();

        Assert.That(reloaded, Has.Count.EqualTo(test.Count));
        var parasitizedScores = reloaded.Select(r => r.Score[0]).ToArray();
        Assert.That(parasitizedScores.Max() - parasitizedScores.Min(), Is.GreaterThan(0.05f), "the model is not constant");
        for (var i = 0; i < test.Count; i++)
        {
            Assert.That(reloaded[i].PredictedLabel, Is.EqualTo(inProcess[i].PredictedLabel), $"row {i}");
            Assert.That(reloaded[i].Score, Is.EqualTo(inProcess[i].Score).Within(1e-5f), $"row {i}");
            Assert.That(labels, Does.Contain(reloaded[i].PredictedLabel));
            Assert.That(reloaded[i].Score.Sum(), Is.EqualTo(1f).Within(1e-4f));
        }

        // Without view averaging the train command scores the test part from cached features through the classifier
        // head: same scores. (With it, the features differ by design and the command scores through the model.)
        if (!averageViews) CheckCachedFeaturePath(mlContext, trainer, chain, trainView, testView, reloaded);

        // A prediction engine over a plain class with an MLImage "Image" property, as a serving process would use.
        MLImageColumnType.EnsureRegistered();
        using var engine = fresh.Model.CreatePredictionEngine<ImageInput, Prediction>(loaded);
        using var image = MLImage.CreateFromFile(test[0].Path);
        var single = engine.Predict(new ImageInput { Image = image });
        Assert.That(single.Score, Is.EqualTo(reloaded[0].Score).Within(1e-5f));

        // The product's inference library serves the same zip with its model card.
        new ModelCard { Labels = labels, InputWidth = 224, InputHeight = 224 }.Save(ModelCard.PathBeside(modelPath));
        using var classifier = MalariaClassifier.Load(modelPath);
        for (var i = 0; i < test.Count; i++)
        {
            var prediction = classifier.Classify(test[i].Path);
            Assert.That(prediction.Label, Is.EqualTo(reloaded[i].PredictedLabel), $"library, row {i}");
            Assert.That(prediction.ScoreVector, Is.EqualTo(reloaded[i].Score).Within(1e-4f), $"library, row {i}");
        }
    }

    private static void CheckCachedFeaturePath(MLContext mlContext, MobileNetV2FeaturesTrainer trainer, TransformerChain<ITransformer> chain,
        IDataView trainView, IDataView testView, List<Prediction> reloaded)
    {
        var features = trainer.Featurizer.Featurize(testView, "test");
        Assert.That(features.FromCache, Is.Zero, "test images were never cached before");
        var head = MobileNetV2FeaturesTrainer.ClassifierHead(chain).Transform(MobileNetV2FeaturesTrainer.ToDataView(
            mlContext, features, MobileNetV2FeaturesTrainer.FeatureTypeOf(chain, trainView.Schema), ModelColumns.Label));
        var headScores = head.GetColumn<VBuffer<float>>(ModelColumns.Score).Select(v => v.DenseValues().ToArray()).ToList();
        for (var i = 0; i < reloaded.Count; i++)
            Assert.That(headScores[i], Is.EqualTo(reloaded[i].Score).Within(1e-4f), $"cached-feature score of row {i}");
    }

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
    }

    private sealed class ImageInput
    {
        public MLImage? Image { get; set; }
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}
