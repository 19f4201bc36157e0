using Google.Protobuf;
using Malaria.Training.Torch;
using Malaria.Training.Export;
using Malaria.Training.Torch.Native;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Tests.Export;

/// <summary>Small randomly initialised networks, exported, and the helpers to run both sides on the same pixels.</summary>
internal static class OnnxExportFixture
{
    public static readonly string[] Labels = ["Parasitized", "Uninfected"];

    /// <summary>
    /// The network with non-trivial BatchNorm statistics and affine parameters (so folding is really exercised) and a
    /// classifier large enough that the probabilities are far from uniform.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(string architecture, int seed)
    {
        TorchNativeRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        nn.Module<Tensor, Tensor> model = architecture switch
        {
            "cnn" => new MalariaCnn(Labels.Length),
            "mobilenetv2" => new MobileNetV2(Labels.Length, widthMultiplier: 0.35),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
        };
        using (torch.no_grad())
        {
            foreach (var module in model.modules())
            {
                switch (module)
                {
                    case BatchNorm2d norm:
                        norm.weight!.copy_(torch.rand(norm.weight.shape) + 0.5);
                        norm.bias!.copy_(torch.randn(norm.bias.shape) * 0.1);
                        break;
                    case Linear linear:
                        linear.weight!.copy_(torch.randn(linear.weight.shape) * (2.0 / Math.Sqrt(linear.weight.shape[1])));
                        linear.bias!.copy_(torch.randn(linear.bias.shape) * 0.1);
                        break;
                }
            }
            // Running statistics as training would leave them (a random network with the default mean 0 / variance 1
            // lets activations fade out through MobileNetV2's depth, and the comparison would be between two zeros).
            model.train();
            var size = architecture == "cnn" ? 64 : 96;
            for (var pass = 0; pass < 8; pass++)
            {
                // Momentum 1/(k+1) on pass k keeps a cumulative average over the calibration batches (the networks
                // carry no batch counter, see BatchNormCounters).
                foreach (var norm in model.modules().OfType<BatchNorm2d>()) norm.momentum = 1.0 / (pass + 1);
                using var batch = torch.tensor(Pixels(8, size, seed + pass), [8, 3, size, size]);
                using var output = model.forward(batch);
            }
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Shifts the first class's bias so that half of the given images fall on each side of the decision (the median
    /// logit margin becomes zero), so a test sees both labels predicted.
    /// </summary>
    public static void CentreDecisions(nn.Module<Tensor, Tensor> model, float[] pixels, int n, int size)
    {
        using var noGrad = torch.no_grad();
        using var input = torch.tensor(pixels, [n, 3, size, size]);
        using var logits = model.forward(input);
        var values = logits.data<float>().ToArray();
        var margins = Enumerable.Range(0, n).Select(i => values[2 * i] - values[2 * i + 1]).Order().ToArray();
        var median = (margins[(n - 1) / 2] + margins[n / 2]) / 2;
        var linear = model.modules().OfType<Linear>().Single();
        linear.bias![0].sub_(median);
    }

    /// <summary>
    /// Exports <paramref name="model"/> as <c>model.onnx</c> with its <c>model.json</c> and the ML.NET <c>model.zip</c>
    /// wrapping it, into <paramref name="folder"/>, as the trainer lays out a run.
    /// </summary>
    public static (string Onnx, string Zip) WritePackage(nn.Module<Tensor, Tensor> model, string folder, int size, string? resizing = null)
    {
        var onnx = Path.Combine(folder, "model.onnx");
        TorchOnnxExporter.Save(model, Labels, size, onnx);
        var card = new Malaria.Inference.ModelCard { Labels = Labels, InputWidth = size, InputHeight = size, Trainer = "cnn", Resizing = resizing };
        card.Save(Malaria.Inference.ModelCard.PathBeside(onnx));
        var zip = Path.Combine(folder, "model.zip");
        OnnxModelZip.Write(onnx, card, zip);
        return (onnx, zip);
    }

    /// <summary>Raw 0..255 pixels, [n,3,size,size], as smooth blobs plus noise so that maps have structure.</summary>
    public static float[] Pixels(int n, int size, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[n * 3 * size * size];
        for (var i = 0; i < n; i++)
        {
            var cx = random.NextDouble() * size;
            var cy = random.NextDouble() * size;
            var radius = size * (0.15 + 0.2 * random.NextDouble());
            for (var c = 0; c < 3; c++)
            {
                var inside = random.Next(256);
                var outside = random.Next(256);
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                    {
                        var d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                        var value = (d < radius ? inside : outside) + random.Next(-20, 21);
                        pixels[((i * 3 + c) * size + y) * size + x] = Math.Clamp(value, 0, 255);
                    }
            }
        }
        return pixels;
    }

    public static InferenceSession Session(nn.Module<Tensor, Tensor> model, int size, bool viewsInGraph = false) =>
        new(TorchOnnxExporter.Export(model, Labels, size, viewsInGraph).ToByteArray());

    /// <summary>The network's own softmax probabilities on [n,3,size,size] pixels (evaluation mode), flat: what an export must match.</summary>
    public static float[] TorchProbabilities(nn.Module<Tensor, Tensor> model, float[] pixels, int n, int size)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        using var input = torch.tensor(pixels, [n, 3, size, size]);
        using var logits = model.forward(input);
        using var probabilities = torch.nn.functional.softmax(logits, 1);
        return probabilities.data<float>().ToArray();
    }

    /// <summary>Runs the session on [n,3,size,size] pixels and returns the named outputs as flat arrays.</summary>
    public static Dictionary<string, float[]> Run(InferenceSession session, float[] pixels, int n, int size, params string[] outputs)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [n, 3, size, size]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [TorchOnnxExporter.InputName], [input], outputs);
        return outputs.Select((name, i) => (name, values: results[i].GetTensorDataAsSpan<float>().ToArray()))
            .ToDictionary(r => r.name, r => r.values);
    }

    public static double Pearson(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Length; i++) { meanA += a[i]; meanB += b[i]; }
        meanA /= a.Length;
        meanB /= b.Length;
        double cov = 0, varA = 0, varB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            cov += (a[i] - meanA) * (b[i] - meanB);
            varA += (a[i] - meanA) * (a[i] - meanA);
            varB += (b[i] - meanB) * (b[i] - meanB);
        }
        return cov / Math.Sqrt(varA * varB);
    }
}
