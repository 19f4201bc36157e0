using Malaria.Training.Torch;
using static TorchSharp.torch;

namespace Malaria.Tests.Torch;

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
}
