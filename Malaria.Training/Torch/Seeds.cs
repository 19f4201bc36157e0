namespace Malaria.Training.Torch;

/// <summary>Derives stable sub-seeds (HashCode is randomised per process, so it cannot be used for reproducibility).</summary>
internal static class Seeds
{
    public static int Mix(int a, int b, int c)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var v in new[] { a, b, c })
        {
            h ^= (uint)v;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }
        return (int)(h & 0x7FFFFFFF);
    }
}
