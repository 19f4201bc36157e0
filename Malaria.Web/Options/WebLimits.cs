using System.ComponentModel.DataAnnotations;

namespace Malaria.Web.Options;

/// <summary>
/// Limits of the web API, bound from the <c>Web</c> configuration section and validated at start. The defaults are
/// safe for a small server: a cell crop is about 130 x 130 pixels and 10-20 KB.
/// </summary>
public sealed class WebLimits
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Web";

    /// <summary>Largest request body in bytes (all files together). Default: 32 MiB.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Largest single image in bytes. Default: 8 MiB.</summary>
    [Range(64, 1L << 30)]
    public long MaxFileBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Most files in one classify request. Default: 64.</summary>
    [Range(1, 10_000)]
    public int MaxFilesPerRequest { get; set; } = 64;

    /// <summary>Largest width x height of one image, read from its header before decoding. Default: 4,194,304 (2048 x 2048).</summary>
    [Range(1, 1L << 32)]
    public long MaxPixels { get; set; } = 2048L * 2048;

    /// <summary>Requests scoring at once; more wait in the queue. Default: the processor count.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentScoring { get; set; } = Environment.ProcessorCount;

    /// <summary>Requests that may wait for a scoring slot; beyond them the answer is 429. Default: twice the processor count.</summary>
    [Range(0, 10_000)]
    public int ScoringQueueLimit { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>Seconds a client is told to wait (Retry-After) after a 429. Default: 1.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;
}
