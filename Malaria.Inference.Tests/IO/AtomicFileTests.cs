using System.Runtime.Versioning;
using Malaria.Inference.IO;

namespace Malaria.Inference.Tests.IO;

/// <summary>A rewrite replaces the content, keeps the target's permissions, and gives new files the usual mode.</summary>
public sealed class AtomicFileTests
{
    [Test, Platform(Exclude = "Win"), UnsupportedOSPlatform("windows")]
    public void A_rewrite_keeps_the_targets_permissions()
    {
        using var folder = new TempFolder();
        var path = folder.Write("model.json", "old"u8.ToArray());
        const UnixFileMode ownerReadWriteGroupRead = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;  // 0640
        File.SetUnixFileMode(path, ownerReadWriteGroupRead);

        AtomicFile.WriteAllText(path, "new");

        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(ownerReadWriteGroupRead));
        Assert.That(Directory.GetFiles(folder.Path), Has.Length.EqualTo(1), "no temporary file is left");
    }

    [Test, Platform(Exclude = "Win"), UnsupportedOSPlatform("windows")]
    public void A_new_file_gets_the_same_mode_as_any_new_file()
    {
        using var folder = new TempFolder();
        var plain = folder.Write("plain.bin", [1]);  // 0666 less the umask

        var atomic = folder.Combine("atomic.bin");
        AtomicFile.WriteAllBytes(atomic, [1]);

        Assert.That(File.GetUnixFileMode(atomic), Is.EqualTo(File.GetUnixFileMode(plain)));
    }

    [Test]
    public void The_folder_is_synced_after_the_rename_on_linux_and_macos()
    {
        using var folder = new TempFolder();
        var expected = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();
        Assert.That(DirectorySync.TryFlush(folder.Path), Is.EqualTo(expected));
        Assert.That(DirectorySync.TryFlush(folder.Combine("missing")), Is.False);
    }
}
