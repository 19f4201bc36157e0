using Malaria.Training.Torch.Native;

namespace Malaria.Training.Tests.Torch.Native;

public class ElfVersionNeedPatcherTests
{
    private static string TorchSharpNative()
    {
        var path = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).FirstOrDefault();
        if (path is null) Assert.Ignore("libLibTorchSharp.so is not in the test output (not a linux-x64 build).");
        return path!;
    }

    [Test]
    public void MarksOnlyTheChosenVersionWeakAndChangesNothingElse()
    {
        var original = File.ReadAllBytes(TorchSharpNative());
        var patched = (byte[])original.Clone();

        var changed = ElfVersionNeedPatcher.MarkWeak(patched, "libstdc++.so.6", v => v == "GLIBCXX_3.4.32");

        Assert.That(changed, Is.EqualTo(new[] { "GLIBCXX_3.4.32" }));
        var differences = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.That(differences, Has.Count.EqualTo(1), "only the low byte of one vna_flags field changes");
        Assert.That(patched[differences[0]] & 0x2, Is.EqualTo(0x2));
        Assert.That(ElfVersionNeedPatcher.MarkWeak((byte[])original.Clone(), "libstdc++.so.6", v => v == "GLIBCXX_9.9"), Is.Empty);
    }

    [Test]
    public void RejectsFilesThatAreNotElf64()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(new byte[128], "libstdc++.so.6", _ => true));
    }

    [Test]
    public void FindsVersionNamesOnlyAsWholeStrings()
    {
        var bytes = "\0GLIBCXX_3.4.30\0xGLIBCXX_3.4.32\0"u8.ToArray();
        Assert.That(ElfVersionNeedPatcher.ContainsVersionName(bytes, "GLIBCXX_3.4.30"), Is.True);
        Assert.That(ElfVersionNeedPatcher.ContainsVersionName(bytes, "GLIBCXX_3.4.32"), Is.False);
        Assert.That(ElfVersionNeedPatcher.ContainsVersionName(bytes, "GLIBCXX_3.4.3"), Is.False);
    }
}
