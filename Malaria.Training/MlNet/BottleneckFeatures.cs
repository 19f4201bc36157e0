namespace Malaria.Training.MlNet;

/// <summary>Backbone features of a data set, row by row, with label keys (1-based, 0 = missing) and label names.</summary>
public sealed record BottleneckFeatures(IReadOnlyList<float[]> Features, IReadOnlyList<uint> LabelKeys,
    IReadOnlyList<string> LabelNames, int FromCache, int Computed)
{
    /// <summary>Number of rows.</summary>
    public int Count => Features.Count;
}
