using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Malaria.Tests.Inference.Packaging;

/// <summary>
/// Packs Malaria.Inference, checks the package's metadata, then builds and runs a throwaway console app that
/// references it from a local folder feed, offline: the only source is that folder, everything else comes from the
/// machine's NuGet cache (as a fallback folder) at the versions the repository pins, copied from its
/// Directory.Packages.props. The app lives in a temp folder so the repository's Directory.*.props do not apply.
/// </summary>
[Category("Packaging")]
public sealed class NuGetPackageTests
{
    private const string Version = "0.2.0";

    [Test]
    public void Package_installs_from_a_local_feed_and_classifies_an_image()
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, "Malaria.Inference", "Malaria.Inference.csproj");
        using var work = new TempFolder("malaria-package");
        var feed = work.Combine("feed");

        // Reuse this test run's build when both target frameworks are there; otherwise pack builds them.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;  // bin/<Configuration>/net10.0
        var built = new[] { "net8.0", "net10.0" }.All(tfm => File.Exists(Path.Combine(root, "Malaria.Inference", "bin", configuration, tfm, "Malaria.Inference.dll")));
        Run(root, "dotnet", ["pack", project, "-c", configuration, "-o", feed, "-p:UseSharedCompilation=false", "-nodeReuse:false", .. built ? new[] { "--no-build" } : []]);

        var package = Path.Combine(feed, $"Malaria.Inference.{Version}.nupkg");
        Assert.That(package, Does.Exist);
        CheckPackageContents(package);

        // The app installs the same build under a version no NuGet cache can hold: the machine cache is the app's
        // fallback folder, and a Malaria.Inference of that version already in it (from nuget.org or an earlier local pack) would
        // otherwise be used instead of the package just made.
        var appVersion = $"{Version}-test.{Guid.NewGuid():N}";
        Run(root, "dotnet", ["pack", project, "-c", configuration, "-o", feed, $"-p:PackageVersion={appVersion}", "-p:UseSharedCompilation=false", "-nodeReuse:false", "--no-build"]);

        // The throwaway app: its own feed, its own packages folder, the machine cache as fallback, pinned versions.
        var app = work.Combine("app");
        Directory.CreateDirectory(app);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="local" value="{feed}" /></packageSources>
              <config><add key="globalPackagesFolder" value="{work.Combine("packages")}" /></config>
              <fallbackPackageFolders><clear /><add key="machine-cache" value="{cache}" /></fallbackPackageFolders>
            </configuration>
            """);
        var pins = XDocument.Load(Path.Combine(root, "Directory.Packages.props"));
        pins.Root!.Elements("ItemGroup").First().Add(new XElement("PackageVersion", new XAttribute("Include", "Malaria.Inference"), new XAttribute("Version", appVersion)));
        pins.Save(Path.Combine(app, "Directory.Packages.props"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup><PackageReference Include="Malaria.Inference" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Malaria.Inference;
            using var classifier = MalariaClassifier.Load(args[0]);
            var prediction = classifier.Classify(args[1]);
            Console.WriteLine($"RESULT {prediction.Label} {prediction.IsParasitized} {classifier.Version}");
            """);

        var modelPath = TestModels.Write(work.Combine("model"), flipped: false);
        var imagePath = work.Combine("cell.png");
        File.WriteAllBytes(imagePath, TestImages.Png(TestImages.Tint.Red));
        Run(app, "dotnet", ["build", "-c", "Release", "-p:UseSharedCompilation=false", "-nodeReuse:false"]);
        var output = Run(app, "dotnet", [Path.Combine(app, "bin", "Release", "net10.0", "App.dll"), modelPath, imagePath]);

        Assert.That(output, Does.Contain("RESULT Parasitized True"));
        Assert.That(Directory.Exists(Path.Combine(work.Path, "packages", "malaria.inference", appVersion)), Is.True, "restored from the local feed");
    }

    private static void CheckPackageContents(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var tfm in new[] { "net8.0", "net10.0" })
        {
            Assert.That(entries, Does.Contain($"lib/{tfm}/Malaria.Inference.dll"));
            Assert.That(entries, Does.Contain($"lib/{tfm}/Malaria.Inference.xml"), "XML docs ship with the package");
        }
        Assert.That(entries, Does.Contain("README.md"));
        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        string Meta(string name) => nuspec.Descendants().First(e => e.Name.LocalName == name).Value;
        Assert.That(Meta("id"), Is.EqualTo("Malaria.Inference"));
        Assert.That(Meta("version"), Is.EqualTo(Version));
        Assert.That(Meta("license"), Is.EqualTo("MIT"));
        Assert.That(Meta("readme"), Is.EqualTo("README.md"));
        Assert.That(Meta("tags"), Does.Contain("malaria"));
        Assert.That(Meta("description"), Does.Contain("Parasitized"));
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToHashSet();
        Assert.That(dependencies, Does.Contain("Microsoft.ML.OnnxRuntime").And.Contain("Microsoft.ML.ImageAnalytics"));
        Assert.That(dependencies.Any(d => d.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)), Is.False, "never TorchSharp");
    }

    private static string Run(string workingDirectory, string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {string.Join(' ', arguments)}' timed out");
        }
        var output = stdout + stderr.Result;
        Assert.That(process.ExitCode, Is.Zero, $"'{fileName} {string.Join(' ', arguments)}' failed:\n{output}");
        return output;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Malaria.sln"))) return dir.FullName;
        throw new InvalidOperationException("Malaria.sln not found above the test binaries.");
    }
}
