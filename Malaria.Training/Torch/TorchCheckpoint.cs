using System.Text;
using System.Text.Json;
using Malaria.Inference.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Malaria.Training.Torch;

/// <summary>One line of history.csv: the epoch's training and validation figures.</summary>
internal sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss,
    double ValidationAccuracy, double ValidationAuc, double LearningRate, double Seconds, double ImagesPerSecond);

/// <summary>Where a run stands after an epoch: enough to continue it exactly (<c>--resume</c>).</summary>
internal sealed record TrainingState
{
    public int EpochsDone { get; init; }
    public int BestEpoch { get; init; } = -1;
    public double BestAccuracy { get; init; } = double.NegativeInfinity;
    public double BestLoss { get; init; } = double.PositiveInfinity;
    public int EpochsWithoutImprovement { get; init; }
    public bool Stopped { get; init; }
    public double TrainingSeconds { get; init; }
    public List<EpochRecord> History { get; init; } = [];
    public string Architecture { get; init; } = "";
    public int ImageSize { get; init; }
    public double WidthMultiplier { get; init; }

    /// <summary>The CNN's layout; null in checkpoints written before layouts could change (the default one).</summary>
    public string? CnnStages { get; init; }

    /// <summary>The CNN's first layer when it is not the fixed one (<see cref="InputNormalization.PerCell"/>); null otherwise and in older checkpoints.</summary>
    public string? Normalization { get; init; }

    /// <summary>The weight average's decay (<see cref="WeightAverage"/>); null when the run keeps none.</summary>
    public double? WeightAverageDecay { get; init; }
}

/// <summary>
/// checkpoint.bin: a magic line, the <see cref="TrainingState"/> as JSON, the model's weights, the averaged weights
/// when the run keeps an average (<see cref="TrainingState.WeightAverageDecay"/>; right after the model's, so an export
/// reads them without rebuilding the optimizer), and the optimizer's state, written atomically so an interruption leaves the previous epoch's checkpoint intact.
/// </summary>
internal static class TorchCheckpoint
{
    public const string FileName = "checkpoint.bin";
    private const string Magic = "malaria-torch-checkpoint-v1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Save(string path, TrainingState state, nn.Module model, OptimizerHelper optimizer, nn.Module? averaged = null)
    {
        if ((averaged is null) != (state.WeightAverageDecay is null)) throw new ArgumentException("Averaged weights go with a state that names their decay.", nameof(averaged));
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(state, Json));
            model.save(writer);
            averaged?.save(writer);
            optimizer.save_state_dict(writer);
        });
    }

    public static TrainingState Load(string path, nn.Module model, OptimizerHelper optimizer, nn.Module? averaged = null)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var state = ReadHeader(reader, path);
        if ((averaged is null) != (state.WeightAverageDecay is null))
            throw new InvalidDataException($"Checkpoint '{path}' {(state.WeightAverageDecay is null ? "keeps no weight average" : "keeps a weight average")}, unlike the run resuming it.");
        model.load(reader);
        averaged?.load(reader);
        optimizer.load_state_dict(reader);
        return state;
    }

    /// <summary>Reads only the state (to check a resume is compatible before building anything).</summary>
    public static TrainingState ReadState(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return ReadHeader(reader, path);
    }

    /// <summary>Saves model weights alone (best.bin, model.bin), atomically.</summary>
    public static void SaveWeights(string path, nn.Module model) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            model.save(writer);
        });

    /// <summary>Whether <paramref name="path"/> is a checkpoint.bin (it starts with the magic line) rather than a weights-only file.</summary>
    public static bool IsCheckpoint(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try { return reader.ReadString() == Magic; }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException or DecoderFallbackException) { return false; }
    }

    /// <summary>
    /// Loads the weights a checkpoint's run keeps into <paramref name="model"/>: the averaged ones when the run keeps an
    /// average (they follow the model's, so loading them second leaves them in the model), else the model's.
    /// </summary>
    public static TrainingState LoadKeptWeights(string path, nn.Module model)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var state = ReadHeader(reader, path);
        model.load(reader);
        if (state.WeightAverageDecay is not null) model.load(reader);
        return state;
    }

    public static void LoadWeights(string path, nn.Module model)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        model.load(reader);
    }

    /// <summary>Reads the magic line and the training state, leaving <paramref name="reader"/> at the model's weights.</summary>
    private static TrainingState ReadHeader(BinaryReader reader, string path)
    {
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { magic = ""; }
        if (magic != Magic) throw new InvalidDataException($"Checkpoint '{path}' is not a malaria TorchSharp checkpoint.");
        return JsonSerializer.Deserialize<TrainingState>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"Checkpoint '{path}' has no training state.");
    }

    internal static JsonSerializerOptions JsonOptions => Json;
}
