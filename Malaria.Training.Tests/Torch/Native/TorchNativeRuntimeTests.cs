using Malaria.Training.Torch.Native;

using static TorchSharp.torch;

namespace Malaria.Training.Tests.Torch.Native;

public class TorchNativeRuntimeTests
{
    [Test]
    public void NativeLibraryLoadsAndComputes()
    {
        TorchNativeRuntime.EnsureLoaded();
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var product = a.matmul(a);
        Assert.That(product.data<float>().ToArray(), Is.EqualTo(new float[] { 7, 10, 15, 22 }));
        TestContext.Out.WriteLine(TorchNativeRuntime.Status);
        Assert.That(TorchNativeRuntime.Status, Does.StartWith("not needed").Or.StartWith("using "));
    }

    [Test]
    public void PatchesOnlyForALibstdcxxWithoutTheMarkerVersion()
    {
        var native = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).FirstOrDefault();
        if (native is null) Assert.Ignore("libLibTorchSharp.so is not in the test output (not a linux-x64 build).");
        var bytes = File.ReadAllBytes(native!);
        // A libstdc++ that defines every version the library needs except the marker, as Debian 12's does.
        var versions = new[] { "GLIBCXX_3.4.30", "GLIBCXX_3.4.29", "CXXABI_1.3.13", "GLIBCXX_3.4.14", "GLIBCXX_3.4.26", "GLIBCXX_3.4.19",
            "CXXABI_1.3.1", "GLIBCXX_3.4.18", "CXXABI_1.3.5", "GLIBCXX_3.4.22", "GLIBCXX_3.4.9", "CXXABI_1.3.3", "GLIBCXX_3.4.11",
            "GLIBCXX_3.4.15", "GLIBCXX_3.4.20", "GLIBCXX_3.4.21", "GLIBCXX_3.4", "CXXABI_1.3", "CXXABI_1.3.9", "CXXABI_1.3.2",
            "CXXABI_1.3.8", "CXXABI_1.3.7", "CXXABI_1.3.11", "GLIBCXX_3.4.17", "GLIBCXX_3.4.10", "GLIBCXX_3.4.13" };
        byte[] Library(params string[] names) => System.Text.Encoding.ASCII.GetBytes("\0" + string.Join("\0", names) + "\0");

        var (patched, reason) = TorchNativeRuntime.PatchFor(bytes, Library(versions));
        Assert.That(patched, Is.Not.Null, reason);
        Assert.That(patched!.Zip(bytes).Count(p => p.First != p.Second), Is.EqualTo(1));

        var (notNeeded, why) = TorchNativeRuntime.PatchFor(bytes, Library([.. versions, "GLIBCXX_3.4.32"]));
        Assert.That(notNeeded, Is.Null);
        Assert.That(why, Is.EqualTo("not needed"));

        var (refused, refusal) = TorchNativeRuntime.PatchFor(bytes, Library(versions.Where(v => v != "GLIBCXX_3.4.30").ToArray()));
        Assert.That(refused, Is.Null, "a missing real version must not be weakened");
        Assert.That(refusal, Does.Contain("GLIBCXX_3.4.30"));
    }
}
