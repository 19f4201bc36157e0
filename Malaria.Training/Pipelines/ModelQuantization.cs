using System.Globalization;
using Google.Protobuf;
using Malaria.Inference;
using Malaria.Inference.IO;
using Malaria.Training.Data;
using Malaria.Training.Export;
using Malaria.Training.Onnx;
using Malaria.Training.Torch;

namespace Malaria.Training.Pipelines;

/// <summary>Typed settings of <see cref="ModelQuantization.Run"/>.</summary>
/// <param name="Model">A folder with model.onnx and model.json, model.onnx itself, or the model.zip beside them.</param>
/// <param name="Split">Split CSV; calibration images come from its train part only.</param>
/// <param name="CalibrationImages">How many training images to calibrate on (all of them when the part is smaller).</param>
/// <param name="Seed">Seed of the calibration sample.</param>
/// <param name="Output">Folder for the int8 model.onnx, model.zip and model.json.</param>
internal sealed record QuantizationSettings(string Model, string Split, int CalibrationImages, int Seed, string Output)
{
    /// <summary>A few hundred images: every tensor's extremes are seen many times over, and calibration takes seconds.</summary>
    public const int DefaultCalibrationImages = 300;
}

/// <summary>What <see cref="ModelQuantization.Run"/> wrote.</summary>
internal sealed record QuantizationResult(OnnxModelPackageFiles Files, string SourceOnnx, int CalibrationImages, int QuantizedNodes, int QuantizedTensors);

/// <summary>
/// A finished float model as an int8 one: calibration images sampled (seeded) from a split's train part, decoded and
/// resized exactly as the classifier does for the TorchSharp networks, their activation ranges measured
/// (<see cref="OnnxCalibration"/>), the graph quantised (<see cref="OnnxQuantizer"/>) and written with its card and
/// ML.NET zip. The test part is never read, so the int8 model can still be measured on it honestly.
/// </summary>
internal static class ModelQuantization
{
    private const int BatchSize = 64;

    public static QuantizationResult Run(QuantizationSettings settings, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.CalibrationImages < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.CalibrationImages, "Calibration needs at least one image.");
        var (sourceOnnx, sourceCard) = Locate(settings.Model);
        if (!File.Exists(settings.Split)) throw new FileNotFoundException($"Split file '{settings.Split}' does not exist.", settings.Split);
        var output = Path.GetFullPath(settings.Output);
        var onnxPath = Path.Combine(output, "model.onnx");
        if (string.Equals(onnxPath, sourceOnnx, StringComparison.Ordinal))
            throw new ArgumentException($"The output folder '{output}' holds the float model; choose another, so the float model stays.");

        var card = ModelCard.Load(sourceCard);
        if (card.InputWidth != card.InputHeight || card.InputWidth < 8)
            throw new InvalidDataException($"Model card '{sourceCard}' gives input {card.InputWidth}x{card.InputHeight}; calibration feeds square images of at least 8 px.");
        var model = OnnxModelFile.Read(sourceOnnx);
        var plan = OnnxQuantizationPlan.For(model);

        var training = SplitFile.Read(settings.Split).Where(e => e.Part == SplitPart.Train).Select(e => e.Image).ToList();
        if (training.Count == 0) throw new InvalidDataException($"Split '{settings.Split}' has no train part to calibrate on.");
        var unknown = training.FirstOrDefault(i => !card.Labels.Contains(i.Label));
        if (unknown is not null) throw new InvalidDataException($"Image '{unknown.Path}' has label '{unknown.Label}', which the model does not know ({string.Join(", ", card.Labels)}).");
        var random = new Random(settings.Seed);
        var sample = training.OrderBy(i => i.Path, StringComparer.Ordinal).ToArray();
        random.Shuffle(sample);
        var chosen = sample.Take(settings.CalibrationImages).ToList();
        progress?.Report($"Calibrating on {chosen.Count:N0} of {training.Count:N0} training images (seed {settings.Seed}), {plan.CalibrationTensors.Count} tensors.");

        var images = DecodedImageSet.Decode(chosen, card.Labels, card.InputWidth);
        var ranges = OnnxCalibration.Measure(model, plan.CalibrationTensors, Batches(images),
            new SynchronousProgress<int>(n => progress?.Report($"calibrated {Math.Min(n * BatchSize, images.Count):N0}/{images.Count:N0}")));
        var sourceHash = FileHash.Sha256(sourceOnnx);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"weights int8 symmetric per output channel, activations uint8 per tensor from min/max over {chosen.Count} train-part images of {Path.GetFileName(settings.Split)} (seed {settings.Seed}); float model sha256 {sourceHash}");
        var quantized = OnnxQuantizer.Quantize(model, ranges, description);

        Directory.CreateDirectory(output);
        AtomicFile.Write(onnxPath, stream => quantized.WriteTo(stream));
        card.Properties = new Dictionary<string, string>(card.Properties ?? new Dictionary<string, string>())
        {
            ["quantization"] = $"int8 (QDQ) convolutions of at least {OnnxQuantizationPlan.MinimumConvInputChannels} input channels and the classifier: weights int8 symmetric per output channel, activations uint8 per tensor, min/max calibration",
            ["calibrationImages"] = chosen.Count.ToString(CultureInfo.InvariantCulture),
            ["calibrationSeed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["calibrationSplit"] = Path.GetFullPath(settings.Split),
            ["calibrationSplitSha256"] = FileHash.Sha256(settings.Split),
            ["floatModel"] = sourceOnnx,
            ["floatModelSha256"] = sourceHash,
        };
        // The float model's test metrics do not describe this one; evaluate measures it afresh.
        if (card.Metrics is { Count: > 0 } metrics)
            card.Properties["floatModelMetrics"] = string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:G6}"))) + $" ({card.MetricsPart})";
        card.Metrics = null;
        card.MetricsPart = null;
        card.CreatedUtc = DateTimeOffset.UtcNow;
        var cardPath = ModelCard.PathBeside(onnxPath);
        card.Save(cardPath);
        var zipPath = Path.Combine(output, "model.zip");
        OnnxModelZip.Write(onnxPath, card, zipPath);
        return new QuantizationResult(new OnnxModelPackageFiles(onnxPath, zipPath, cardPath), sourceOnnx, chosen.Count, plan.Quantized.Count, plan.Activations.Count);
    }

    /// <summary>model.onnx and model.json from a folder, an ONNX path, or a zip path (the trainer writes all three side by side).</summary>
    public static (string Onnx, string Card) Locate(string model)
    {
        var path = Path.GetFullPath(model);
        if (!Directory.Exists(path) && !File.Exists(path)) throw new FileNotFoundException($"Model '{path}' does not exist.", path);
        string onnx;
        if (Directory.Exists(path)) onnx = Path.Combine(path, "model.onnx");
        else if (string.Equals(Path.GetExtension(path), ".onnx", StringComparison.OrdinalIgnoreCase)) onnx = path;
        else if (string.Equals(Path.GetExtension(path), ".zip", StringComparison.OrdinalIgnoreCase))
        {
            onnx = Path.ChangeExtension(path, ".onnx");
            if (!File.Exists(onnx))
                throw new FileNotFoundException($"Model '{path}' is an ML.NET zip; quantisation rewrites the ONNX graph and needs '{onnx}' beside it (the trainer writes both).", onnx);
        }
        else throw new ArgumentException($"Model '{path}' is neither a folder nor a .onnx or .zip file.", nameof(model));
        if (!File.Exists(onnx)) throw new FileNotFoundException($"Model '{path}': '{onnx}' does not exist.", onnx);
        var card = ModelCard.PathBeside(onnx);
        if (!File.Exists(card)) throw new FileNotFoundException($"Model '{path}': its card '{card}' does not exist.", card);
        return (onnx, card);
    }

    /// <summary>The decoded bytes as float batches [n,3,S,S] of raw 0..255 values, the graph's input contract.</summary>
    private static IEnumerable<(float[] Values, long[] Shape)> Batches(DecodedImageSet images)
    {
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            var n = Math.Min(BatchSize, images.Count - start);
            var values = new float[n * images.ImageBytes];
            var offset = (long)start * images.ImageBytes;
            for (var i = 0; i < values.Length; i++) values[i] = images.Pixels[offset + i];
            yield return (values, [n, 3, images.Size, images.Size]);
        }
    }
}
