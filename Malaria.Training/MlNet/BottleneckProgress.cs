namespace Malaria.Training.MlNet;

/// <summary>Where bottleneck extraction stands: images done out of those that needed the backbone, plus cache hits.</summary>
/// <param name="Stage">What the features are for (e.g. <c>train</c>, <c>validation</c>).</param>
/// <param name="Computed">Images put through the backbone so far.</param>
/// <param name="ToCompute">Images that were not in the cache and need the backbone.</param>
/// <param name="FromCache">Images whose features came from the cache.</param>
public sealed record BottleneckProgress(string Stage, int Computed, int ToCompute, int FromCache);
