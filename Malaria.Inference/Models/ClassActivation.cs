namespace Malaria.Inference.Models;

/// <summary>One image's scores and its class activation maps: <paramref name="Maps"/> holds one
/// <paramref name="MapHeight"/> x <paramref name="MapWidth"/> map per label, label-major, row-major within a map.</summary>
internal sealed record ClassActivation(float[] Scores, float[] Maps, int MapHeight, int MapWidth)
{
    /// <summary>The map of label <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> MapOf(int index) => Maps.AsSpan(index * MapHeight * MapWidth, MapHeight * MapWidth);
}
