using Malaria.Inference.Imaging;

namespace Malaria.Inference;

/// <summary>Settings of a <see cref="MalariaClassifier"/> and of every model in a <see cref="Pooling.MalariaPredictionEnginePool"/>.</summary>
public sealed class MalariaClassifierOptions
{
    /// <summary>Input checks made before decoding. Default: <see cref="ImageLimits"/> defaults (16 megapixels, 64 MiB).</summary>
    public ImageLimits ImageLimits { get; set; } = new();

    /// <summary>How many idle engines each model keeps for reuse. Default: twice the processor count. Callers beyond it get a temporary engine that is disposed after use.</summary>
    public int MaxEnginesPerModel { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>Images per model run in batch calls. Default: 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How long a watched model file must stay unchanged before it is reloaded. Default: 500 ms.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many times a reload retries while the file is locked or still being written. Default: 10.</summary>
    public int ReloadRetries { get; set; } = 10;

    /// <summary>Pause between reload retries. Default: 200 ms.</summary>
    public TimeSpan ReloadRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Models registered through <see cref="DependencyInjection.MalariaClassifierBuilder"/>, by name.</summary>
    internal List<ModelRegistration> Models { get; } = [];

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ImageLimits);
        ImageLimits.Validate();
        if (MaxEnginesPerModel < 1) throw new ArgumentOutOfRangeException(nameof(MaxEnginesPerModel), MaxEnginesPerModel, "must be at least 1");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (ReloadDebounce < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReloadDebounce), ReloadDebounce, "must not be negative");
        if (ReloadRetries < 0) throw new ArgumentOutOfRangeException(nameof(ReloadRetries), ReloadRetries, "must not be negative");
    }
}

/// <summary>A model file registered under a name.</summary>
internal sealed record ModelRegistration(string Name, string Path, bool WatchForChanges);
