using Malaria.Inference;
using Malaria.Inference.Pooling;

namespace Malaria.Inference.Tests.Pooling;

/// <summary>
/// Kubernetes ConfigMap and Secret volumes deploy a new version by writing a new timestamped folder and renaming a
/// <c>..data</c> link over the old one; <c>model.zip</c> and <c>model.json</c> are links through <c>..data</c>, so
/// no file-system event ever names them. The watcher must still see the swap.
/// </summary>
public sealed class SymlinkDeploymentTests
{
    [Test]
    public void A_swapped_data_link_is_reloaded()
    {
        using var folder = new TempFolder();
        var volume = folder.Combine("volume");
        Directory.CreateDirectory(volume);
        TestModels.Write(Path.Combine(volume, "..2026_12_01_v1"), flipped: false);
        File.CreateSymbolicLink(Path.Combine(volume, "..data"), "..2026_12_01_v1");
        var modelPath = Path.Combine(volume, "model.zip");
        File.CreateSymbolicLink(modelPath, Path.Combine("..data", "model.zip"));
        File.CreateSymbolicLink(Path.Combine(volume, ModelCard.FileName), Path.Combine("..data", ModelCard.FileName));

        var options = new MalariaClassifierOptions { ReloadDebounce = TimeSpan.FromMilliseconds(100), ReloadRetryDelay = TimeSpan.FromMilliseconds(20) };
        using var pool = new MalariaPredictionEnginePool(options).FromFile("cells", modelPath, watchForChanges: true);
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        Assert.That(pool.Classify("cells", red).Label, Is.EqualTo("Parasitized"));
        using var reloaded = new SemaphoreSlim(0);
        pool.Reloaded += (_, _) => reloaded.Release();

        // What the kubelet does: a new folder, a temporary link to it, renamed over ..data, then the old folder removed.
        TestModels.Write(Path.Combine(volume, "..2026_12_02_v2"), flipped: true);
        File.CreateSymbolicLink(Path.Combine(volume, "..data_tmp"), "..2026_12_02_v2");
        RenameOver(Path.Combine(volume, "..data_tmp"), Path.Combine(volume, "..data"));
        Directory.Delete(Path.Combine(volume, "..2026_12_01_v1"), recursive: true);

        Assert.That(reloaded.Wait(TimeSpan.FromSeconds(15)), Is.True, "the swap is picked up");
        Assert.That(pool.Classify("cells", red).Label, Is.EqualTo("Uninfected"));
    }

    /// <summary>rename(2) of a link over a link, as the kubelet does; .NET's File.Move follows a link to a folder and refuses.</summary>
    private static void RenameOver(string source, string target)
    {
        using var mv = System.Diagnostics.Process.Start("mv", ["-T", "-f", source, target])!;
        mv.WaitForExit();
        Assert.That(mv.ExitCode, Is.Zero, "mv -T");
    }
}
