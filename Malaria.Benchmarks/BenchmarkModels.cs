using Malaria.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Benchmarks;

/// <summary>
/// Builds the models the benchmarks compare, following the library's column contract, into a temp folder:
/// a MobileNetV2-features model (resize 224 -> ExtractPixels -> ApplyOnnxModel(features) -> L-BFGS head), the shape
/// of the real transfer-learning model, and a tiny 16 x 16 linear model where the model itself costs almost nothing,
/// so the pool's own overhead is as visible as it can be.
/// </summary>
public static class BenchmarkModels
{
    public static readonly string[] Labels = ["Parasitized", "Uninfected"];

    /// <summary>The shared MobileNetV2 ONNX: MALARIA_SHARED, else a <c>shared/</c> folder above the current folder.</summary>
    public static string MobileNetV2Onnx()
    {
        var root = Environment.GetEnvironmentVariable("MALARIA_SHARED");
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); root is null && dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "shared", "models"))) root = Path.Combine(dir.FullName, "shared");
        var path = Path.Combine(root ?? "../shared", "models", "mobilenetv2-imagenet", "mobilenetv2_1.0_224.onnx");
        if (!File.Exists(path)) throw new FileNotFoundException($"The MobileNetV2 backbone is needed at '{path}' (set MALARIA_SHARED).", path);
        return path;
    }

    /// <summary>Trains and writes model.zip + model.json; returns the zip path.</summary>
    public static string Write(string folder, bool mobileNet)
    {
        Directory.CreateDirectory(folder);
        var context = new MLContext(seed: 1);
        var size = mobileNet ? 224 : 16;
        var rows = Enumerable.Range(0, 16).Select(i => new TrainingRow
        {
            Image = BenchmarkImages.Create(red: i % 2 == 0, seed: 1000 + i),
            Label = Labels[i % 2],
        }).ToList();
        var data = context.Data.LoadFromEnumerable(rows);
        var keyed = context.Transforms.Conversion.MapValueToKey("LabelKey", ModelColumns.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);
        IEstimator<ITransformer> features = mobileNet
            ? context.Transforms.ResizeImages("Resized", size, size, ModelColumns.Image)
                .Append(context.Transforms.ExtractPixels("input", "Resized", interleavePixelColors: false))
                .Append(context.Transforms.ApplyOnnxModel(["features"], ["input"], MobileNetV2Onnx()))
            : context.Transforms.ResizeImages("Resized", size, size, ModelColumns.Image)
                .Append(context.Transforms.ExtractPixels("features", "Resized", scaleImage: 1f / 255));
        var model = features
            .Append(context.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "features"))
            .Append(context.Transforms.Conversion.MapKeyToValue(ModelColumns.PredictedLabel))
            .Fit(keyed);
        var path = Path.Combine(folder, "model.zip");
        context.Model.Save(model, null, path);
        (model as IDisposable)?.Dispose();
        new ModelCard { Labels = Labels, InputWidth = size, InputHeight = size, Trainer = mobileNet ? "benchmark-mobilenetv2-features" : "benchmark-tiny" }
            .Save(ModelCard.PathBeside(path));
        foreach (var row in rows) row.Image!.Dispose();
        return path;
    }

    private sealed class TrainingRow
    {
        [ImageType(BenchmarkImages.Size, BenchmarkImages.Size)]
        public MLImage? Image { get; set; }

        public string Label { get; set; } = "";
    }
}

/// <summary>The input row for calling ML.NET's PredictionEngine directly, as a user without the library would.</summary>
public sealed class DirectInput
{
    [ColumnName(ModelColumns.Image)]
    [ImageType(BenchmarkImages.Size, BenchmarkImages.Size)]
    public MLImage? Image { get; set; }
}

/// <summary>The output row for calling ML.NET's PredictionEngine directly.</summary>
public sealed class DirectOutput
{
    [ColumnName(ModelColumns.Score)]
    public float[]? Score { get; set; }
}
