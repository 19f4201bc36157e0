using Malaria.Inference;

namespace Malaria.Benchmarks;

/// <summary>
/// The float and int8 versions of one network, for <see cref="Int8Benchmarks"/> and <see cref="Int8Ratio"/>:
/// <c>MALARIA_INT8_MODEL</c> names the folder the trainer's <c>quantize</c> wrote (model.onnx and model.json), and the
/// float model is the one its card records as <c>floatModel</c>, unless <c>MALARIA_FLOAT_MODEL</c> names another.
/// </summary>
public sealed record QuantizedModelPair(string FloatOnnx, string Int8Onnx, int InputSize)
{
    public static QuantizedModelPair FromEnvironment()
    {
        var folder = Environment.GetEnvironmentVariable("MALARIA_INT8_MODEL");
        if (string.IsNullOrEmpty(folder))
            throw new InvalidOperationException("Set MALARIA_INT8_MODEL to a folder written by 'Malaria.Training quantize' (model.onnx and model.json).");
        var int8 = Path.GetFullPath(Path.Combine(folder, "model.onnx"));
        if (!File.Exists(int8)) throw new FileNotFoundException($"MALARIA_INT8_MODEL: '{int8}' does not exist.", int8);
        var card = ModelCard.Load(ModelCard.PathBeside(int8));
        var floatOnnx = Environment.GetEnvironmentVariable("MALARIA_FLOAT_MODEL") is { Length: > 0 } given ? Path.GetFullPath(given)
            : card.Properties?.TryGetValue("floatModel", out var recorded) == true ? recorded
            : throw new InvalidDataException($"'{ModelCard.PathBeside(int8)}' records no floatModel; set MALARIA_FLOAT_MODEL.");
        if (!File.Exists(floatOnnx)) throw new FileNotFoundException($"The float model '{floatOnnx}' does not exist.", floatOnnx);
        if (card.InputWidth != card.InputHeight) throw new InvalidDataException($"'{int8}' takes {card.InputWidth}x{card.InputHeight} images; square expected.");
        return new QuantizedModelPair(floatOnnx, int8, card.InputWidth);
    }
}
