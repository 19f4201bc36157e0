using System.CommandLine;
using Malaria.Training.Pipelines;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>quantize --model DIR|model.onnx|model.zip --split FILE --out DIR [--calibration-images N] [--seed N]</c>: a
/// finished float network as an int8 model (model.onnx, model.zip, model.json), calibrated on the split's train part.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = "The float model: a run folder holding model.onnx and model.json, model.onnx itself, or the model.zip beside them.",
            Required = true,
        };
        var split = new Option<FileInfo>("--split")
        {
            Description = "Split CSV; the calibration images are sampled from its train part (never validation or test).",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--out", "-o")
        {
            Description = "Folder for the int8 model.onnx, model.zip and model.json (not the float model's folder).",
            Required = true,
        };
        var calibrationImages = new Option<int>("--calibration-images")
        {
            Description = $"How many training images to measure activation ranges on (all of them if the part is smaller). Default {QuantizationSettings.DefaultCalibrationImages}.",
            DefaultValueFactory = _ => QuantizationSettings.DefaultCalibrationImages,
        };
        var seed = CommonOptions.Seed();
        seed.Description = "Seed of the calibration sample; the same seed, model and split give the same int8 model.";
        var command = new Command("quantize", "Quantise a trained network to int8 (static, QDQ: weights per channel, activations calibrated on training images) for faster CPU inference.")
        {
            model, split, output, calibrationImages, seed,
        };
        command.SetAction(parse =>
        {
            var count = parse.GetValue(calibrationImages);
            if (count < 1) throw new CommandLineException($"--calibration-images {count}: give at least 1.");
            var settings = new QuantizationSettings(parse.GetRequiredValue(model), parse.GetRequiredValue(split).FullName, count,
                parse.GetValue(seed), parse.GetRequiredValue(output).FullName);
            var result = ModelQuantization.Run(settings, new SynchronousProgress<string>(message => AnsiConsole.WriteLine(message)));
            AnsiConsole.MarkupLine($"Quantised [bold]{Markup.Escape(result.SourceOnnx)}[/]: {result.QuantizedNodes} Conv/Gemm nodes, {result.QuantizedTensors} activations, calibrated on {result.CalibrationImages:N0} images:");
            foreach (var file in new[] { result.Files.Onnx, result.Files.Zip, result.Files.Card })
                AnsiConsole.MarkupLine($"  {Markup.Escape(file)} ({new FileInfo(file).Length:N0} bytes)");
            return 0;
        });
        return command;
    }
}
