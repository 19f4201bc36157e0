namespace Malaria.Inference.Imaging;

/// <summary>
/// The outer two-pixel ring of a crop: where the training crops' black mask shows, and where a bounding-box crop's
/// background (plasma) is sampled. One definition for every check that reads the edge.
/// </summary>
internal static class OuterRing
{
    /// <summary>Ring width in pixels (less for images narrower than twice that).</summary>
    public const int Width = 2;

    /// <summary>The row-major pixel indices of the ring, each once.</summary>
    public static List<int> Indices(int width, int height)
    {
        var ring = Math.Min(Width, Math.Min(width, height) / 2);
        var indices = new List<int>(2 * ring * (width + height));
        for (var y = 0; y < height; y++)
        {
            var edgeRow = y < ring || y >= height - ring;
            for (var x = 0; x < width; x++)
            {
                // Inside rows only their first and last columns belong to the ring: jump over the middle.
                if (!edgeRow && x == ring) x = width - ring;
                if (x < width) indices.Add(y * width + x);
            }
        }
        return indices;
    }
}
