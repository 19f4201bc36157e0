using Malaria.Inference;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Malaria.Training.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Malaria.Training.Export;

/// <summary>A network rebuilt from a checkpoint, with what an export needs to describe it.</summary>
internal sealed record ExportableModel(nn.Module<Tensor, Tensor> Model, TrainingState State, IReadOnlyList<string> Labels, string LabelSource);

/// <summary>
/// Rebuilds the trained network from a TorchSharp run's files: <c>checkpoint.bin</c> (state and weights of the last
/// epoch; the averaged weights when the run kept an average, as training validated and kept those) or a weights-only
/// file (<c>best.bin</c>, <c>model.bin</c>) whose architecture and input size are read from the <c>checkpoint.bin</c>
/// in the same folder. Labels, in score order, come from the caller, else from <c>model.json</c> beside the
/// checkpoint, else from <c>split.csv</c> beside it (sorted ordinally, as the trainer orders them).
/// </summary>
internal static class ExportableCheckpoint
{
    public static ExportableModel Load(string path, IReadOnlyList<string>? labels = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Checkpoint '{full}' does not exist.", full);
        var folder = Path.GetDirectoryName(full)!;
        var isFullCheckpoint = TorchCheckpoint.IsCheckpoint(full);
        var statePath = isFullCheckpoint ? full : Path.Combine(folder, TorchCheckpoint.FileName);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"'{full}' holds weights only, and there is no {TorchCheckpoint.FileName} beside it to say which network and input size they belong to.");
        TrainingState state;
        try { state = TorchCheckpoint.ReadState(statePath); }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"Checkpoint '{statePath}' cannot be read: {ex.Message}");
        }
        if (state.ImageSize < 8) throw new InvalidDataException($"Checkpoint '{statePath}' records no input size.");

        var (resolved, source) = ResolveLabels(labels, folder);
        TorchNativeRuntime.EnsureLoaded();
        nn.Module<Tensor, Tensor> model = state.Architecture switch
        {
            nameof(TorchArchitecture.Cnn) => new MalariaCnn(resolved.Count, state.CnnStages, state.Normalization switch
            {
                null => InputNormalization.Fixed,
                nameof(InputNormalization.PerCell) => InputNormalization.PerCell,
                var other => throw new InvalidDataException($"Checkpoint '{statePath}' names an input normalisation '{other}' this version does not know."),
            }),
            nameof(TorchArchitecture.MobileNetV2) => new MobileNetV2(resolved.Count, state.WidthMultiplier),
            _ => throw new InvalidDataException($"Checkpoint '{statePath}' is for architecture '{state.Architecture}', which cannot be exported."),
        };
        try
        {
            if (isFullCheckpoint) TorchCheckpoint.LoadKeptWeights(full, model);
            else TorchCheckpoint.LoadWeights(full, model);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new InvalidDataException($"The weights in '{full}' do not fit a {state.Architecture} (width {state.WidthMultiplier}) with {resolved.Count} labels ({source}): {ex.Message}");
        }
        model.eval();
        return new ExportableModel(model, state, resolved, source);
    }

    private static (IReadOnlyList<string> Labels, string Source) ResolveLabels(IReadOnlyList<string>? labels, string folder)
    {
        if (labels is { Count: > 0 })
        {
            if (labels.Count < 2 || labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
                throw new ArgumentException($"--labels needs at least two distinct labels, got {string.Join(",", labels)}.");
            return (labels, "--labels");
        }
        var cardPath = Path.Combine(folder, ModelCard.FileName);
        if (File.Exists(cardPath)) return (ModelCard.Load(cardPath).Labels, cardPath);
        var splitPath = Path.Combine(folder, "split.csv");
        if (File.Exists(splitPath))
        {
            var fromSplit = SplitFile.Read(splitPath).Select(e => e.Image.Label).Distinct().Order(StringComparer.Ordinal).ToList();
            if (fromSplit.Count < 2) throw new InvalidDataException($"Split '{splitPath}' has fewer than two labels.");
            return (fromSplit, splitPath);
        }
        throw new InvalidOperationException($"No labels: pass --labels, or keep the run's {ModelCard.FileName} or split.csv beside the checkpoint.");
    }
}
