using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Malaria.Inference.IO;

namespace Malaria.Training.Scoring;

/// <summary>
/// What a run folder holds (<c>run.json</c>): which images in which order, cut into which chunks, scored by which model
/// into which format. <see cref="Fingerprint"/> covers all of that, so a rerun, another shard or a merge can tell at
/// once whether the chunks already there belong to its run. Nothing machine- or shard-specific is in it, so every
/// shard of a run writes the same file.
/// </summary>
public sealed record ScoreRun(string Fingerprint, int Items, int ChunkSize, ScoreFormat Format, string ModelVersion, string PositiveLabel)
{
    /// <summary>
    /// The views each image's probability averages when more than one (8: its rotations and mirror images); null for
    /// one view, so a one-view run's run.json and fingerprint are what they were before views could be chosen.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Views { get; init; }

    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>How many chunks the run is cut into.</summary>
    [JsonIgnore]
    public int Chunks => Items == 0 ? 0 : (Items + ChunkSize - 1) / ChunkSize;

    /// <summary>How many images chunk <paramref name="chunk"/> holds (the last may be short).</summary>
    public int ChunkLength(int chunk) => Math.Min(ChunkSize, Items - chunk * ChunkSize);

    /// <summary>The run of <paramref name="input"/> with these settings.</summary>
    public static ScoreRun Describe(ScoreInput input, int chunkSize, ScoreFormat format, string modelVersion, string positiveLabel, int views = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(views, 1);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "a chunk holds at least one image");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));
        Add($"malaria-score 1\n{format}\n{chunkSize}\n{modelVersion}\n{positiveLabel}\n");
        if (views != 1) Add($"views {views}\n");
        foreach (var item in input.Items) Add($"{item.Key}\t{item.Group}\n");
        return new ScoreRun(Convert.ToHexStringLower(hash.GetHashAndReset()), input.Items.Count, chunkSize, format, modelVersion, positiveLabel)
        {
            Views = views == 1 ? null : views,
        };
    }

    /// <summary>The run recorded in <paramref name="folder"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">A run.json that cannot be read.</exception>
    public static ScoreRun? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ScoreRun>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a score run description: {ex.Message}", ex);
        }
    }

    /// <summary>Records this run in <paramref name="folder"/> (atomically).</summary>
    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");
}
