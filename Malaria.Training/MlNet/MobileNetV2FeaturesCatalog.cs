using Microsoft.ML;

namespace Malaria.Training.MlNet;

/// <summary>Catalog entry point: <c>mlContext.MulticlassClassification.Trainers.MobileNetV2Features(options)</c>.</summary>
public static class MobileNetV2FeaturesCatalog
{
    /// <summary>
    /// Transfer learning on a frozen MobileNetV2 backbone: features from the pretrained ONNX graph (cached on disk),
    /// then an ML.NET multiclass classifier. The input needs an MLImage column and a key label column; the fitted chain
    /// writes <c>Score</c> and a key <c>PredictedLabel</c> (append <c>MapKeyToValue</c> for the label text).
    /// </summary>
    public static MobileNetV2FeaturesTrainer MobileNetV2Features(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MobileNetV2FeaturesTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        // ML.NET's catalogs keep their environment internal, so the trainer builds its components in its own context,
        // seeded from the options; the fitted transformers work in, and save from, any MLContext.
        return new MobileNetV2FeaturesTrainer(new MLContext(options.Seed), options);
    }

    /// <summary>The same with the backbone path and defaults for everything else.</summary>
    public static MobileNetV2FeaturesTrainer MobileNetV2Features(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string backbonePath,
        string labelColumnName = Inference.ModelColumns.Label, string imageColumnName = Inference.ModelColumns.Image) =>
        catalog.MobileNetV2Features(new MobileNetV2FeaturesTrainer.Options
        {
            BackbonePath = backbonePath,
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
        });

}
