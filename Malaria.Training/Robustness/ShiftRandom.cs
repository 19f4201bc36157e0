using System.Security.Cryptography;
using System.Text;

namespace Malaria.Training.Robustness;

/// <summary>
/// The random numbers of one shifted image. Each (seed, image, shift, severity) gets its own generator, seeded from a
/// hash of the four, so a shifted image is the same whatever order or thread it is made in, and in every run.
/// </summary>
public static class ShiftRandom
{
    /// <summary>The generator for <paramref name="imageKey"/> under <paramref name="shift"/> at <paramref name="severity"/>.</summary>
    /// <param name="seed">The run's seed (<c>--seed</c>).</param>
    /// <param name="imageKey">A name of the image that does not depend on where the data lives (label/file name).</param>
    /// <param name="shift">The shift's name.</param>
    /// <param name="severity">1 to 3 (0 for the clean image).</param>
    public static Random For(int seed, string imageKey, string shift, int severity)
    {
        ArgumentNullException.ThrowIfNull(imageKey);
        ArgumentNullException.ThrowIfNull(shift);
        // SHA-256 rather than string.GetHashCode, which .NET randomises per process.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|{imageKey}|{shift}|{severity}"));
        return new Random(BitConverter.ToInt32(hash, 0) & int.MaxValue);
    }

    /// <summary>A draw from the standard normal distribution (Box-Muller).</summary>
    public static double NextGaussian(this Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = 1.0 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>A draw uniform in [-<paramref name="bound"/>, <paramref name="bound"/>].</summary>
    public static double NextSymmetric(this Random random, double bound)
    {
        ArgumentNullException.ThrowIfNull(random);
        return (2 * random.NextDouble() - 1) * bound;
    }

    /// <summary>+1 or -1 with equal chance.</summary>
    public static int NextSign(this Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(2) == 0 ? -1 : 1;
    }
}
