using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.MlNet;

/// <summary>
/// Lets ML.NET map a plain <see cref="MLImage"/> member (no attribute) to an image column of any size. ML.NET 5 maps
/// MLImage members only through <c>[ImageType(height, width)]</c> with a fixed size, and its size-less
/// <c>[ImageType]</c> throws on registration; registering the size-less image type for MLImage once fixes both.
/// </summary>
public static class MLImageColumnType
{
    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>Registers the mapping (idempotent, thread-safe).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            try { DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), (DataViewTypeAttribute?)null); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Someone (another library in the process) registered the same mapping first: the goal is met.
            }
            _registered = true;
        }
    }
}
