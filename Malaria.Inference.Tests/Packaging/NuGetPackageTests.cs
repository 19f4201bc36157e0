using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Malaria.Inference.Tests.Packaging;

/// <summary>
/// Packs Malaria.Inference and Malaria.Inference.HealthChecks, checks the packages' metadata, then builds and runs
/// throwaway apps that reference them from a local folder feed, offline: the only source is that folder, everything
/// else comes from the machine's NuGet cache (as a fallback folder) at the versions the repository pins, copied from
/// its Directory.Packages.props. The apps live in a temp folder so the repository's Directory.*.props do not apply.
/// The apps' code is the package README's own examples, so the README is tested as a new user would run it.
/// </summary>
[Category("Packaging")]
[NonParallelizable]
public sealed class NuGetPackageTests
{
    private const string Version = "0.2.0";
    private TempFolder _work = null!;
    private string _appVersion = "";
    private string _readme = "";

    [OneTimeSetUp]
    public void Pack()
    {
        var root = RepositoryRoot();
        _work = new TempFolder("malaria-package");
        _readme = File.ReadAllText(Path.Combine(root, "Malaria.Inference", "README.md"));
        var feed = _work.Combine("feed");
        // Reuse this test run's build when both target frameworks are there; otherwise pack builds them.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;  // bin/<Configuration>/net10.0
        foreach (var project in new[] { "Malaria.Inference", "Malaria.Inference.HealthChecks" })
        {
            var csproj = Path.Combine(root, project, project + ".csproj");
            var built = new[] { "net8.0", "net10.0" }.All(tfm => File.Exists(Path.Combine(root, project, "bin", configuration, tfm, project + ".dll")));
            Run(root, "dotnet", ["pack", csproj, "-c", configuration, "-o", feed, "-p:UseSharedCompilation=false", "-nodeReuse:false", .. built ? new[] { "--no-build" } : []]);
        }
        CheckInferencePackage(Path.Combine(feed, $"Malaria.Inference.{Version}.nupkg"));
        CheckHealthChecksPackage(Path.Combine(feed, $"Malaria.Inference.HealthChecks.{Version}.nupkg"));

        // The apps install the same builds under a version no NuGet cache can hold: the machine cache is the apps'
        // fallback folder, and a package of this version already in it (from an earlier local pack) would otherwise
        // be used instead of the one just made.
        _appVersion = $"{Version}-test.{Guid.NewGuid():N}";
        foreach (var project in new[] { "Malaria.Inference", "Malaria.Inference.HealthChecks" })
            Run(root, "dotnet", ["pack", Path.Combine(root, project, project + ".csproj"), "-c", configuration, "-o", feed, $"-p:PackageVersion={_appVersion}",
                "-p:UseSharedCompilation=false", "-nodeReuse:false", "--no-build"]);
    }

    [OneTimeTearDown]
    public void Delete() => _work?.Dispose();

    [Test]
    public void The_readme_first_example_runs_as_written_in_a_console_app()
    {
        var app = CreateApp("console", "Microsoft.NET.Sdk", "<OutputType>Exe</OutputType>", ["Malaria.Inference"]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), CodeBlock(block => block.Contains("MalariaClassifier.LoadDefault()")));
        File.WriteAllBytes(Path.Combine(app, "cell.png"), CellPng());
        Run(app, "dotnet", ["build", "-c", "Release", "-p:UseSharedCompilation=false", "-nodeReuse:false"]);
        var output = Run(app, "dotnet", [Path.Combine(app, "bin", "Release", "net10.0", "App.dll")]);

        Assert.That(output, Does.Match(@"(Parasitized|Uninfected) \(\d+(\.\d)?\s?%\), P\(Parasitized\) = [01]\.\d{3}"));
        Assert.That(Directory.Exists(Path.Combine(_work.Path, "packages", "malaria.inference", _appVersion)), Is.True, "restored from the local feed");
    }

    [Test]
    public async Task A_web_app_serves_the_built_in_model_with_the_readme_registration_and_refuses_a_missing_model()
    {
        var app = CreateApp("web", "Microsoft.NET.Sdk.Web", "", ["Malaria.Inference", "Malaria.Inference.HealthChecks"],
            ["OpenTelemetry.Extensions.Hosting", "OpenTelemetry.Exporter.Prometheus.AspNetCore"]);
        // The README's serving example, plus the registration lines of its health and metrics sections.
        var program = CodeBlock(block => block.Contains("WebApplication.CreateBuilder"));
        var health = CodeBlock(block => block.Contains("AddHealthChecks()")).Split('\n');
        var metrics = CodeBlock(block => block.Contains("AddOpenTelemetry()")).Split('\n');
        var usings = health.Concat(metrics).Where(l => l.StartsWith("using ", StringComparison.Ordinal));
        program = string.Join("\n", usings) + "\n" + program
            .Replace("var app = builder.Build();", health.Single(l => l.Contains("AddHealthChecks()")) + "\n" + metrics.Single(l => l.Contains("AddOpenTelemetry()")) + "\nvar app = builder.Build();")
            .Replace("app.Run();", health.Single(l => l.Contains("MapHealthChecks")) + "\n" + metrics.Single(l => l.Contains("MapPrometheusScrapingEndpoint")) + "\napp.Run();");
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
        Run(app, "dotnet", ["build", "-c", "Release", "-p:UseSharedCompilation=false", "-nodeReuse:false"]);
        var dll = Path.Combine(app, "bin", "Release", "net10.0", "App.dll");

        var port = FreePort();
        using (var server = Start(app, dll, port, environment: []))
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilServing(http, server);
            var classified = await http.PostAsync("/classify", new ByteArrayContent(CellPng()));
            Assert.That(classified.StatusCode, Is.EqualTo(HttpStatusCode.OK), await classified.Content.ReadAsStringAsync());
            Assert.That(await classified.Content.ReadAsStringAsync(), Does.Match("\"label\":\"(Parasitized|Uninfected)\""));

            var explained = await http.PostAsync("/explain", new ByteArrayContent(CellPng()));
            Assert.That(explained.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an uploaded stream is explained (read asynchronously)");
            Assert.That(explained.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/png"));
            Assert.That((await explained.Content.ReadAsByteArrayAsync())[..4], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }));

            var ready = await http.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await ready.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));

            // The library's meter reaches OpenTelemetry by its name alone.
            var scraped = await http.GetStringAsync("/metrics");
            Assert.That(scraped, Does.Contain("malaria_predictions").And.Contain("model=\"default\""));
            Assert.That(scraped, Does.Contain("malaria_prediction_duration"));
        }
        finally
        {
            // Disposing a Process only releases its handle: the server would outlive the test run.
            server.Kill(entireProcessTree: true);
        }

        // A configured model file that does not exist: the app must not start, and must say which file.
        var missing = Path.Combine(_work.Path, "models", "missing.zip");
        using var broken = Start(app, dll, FreePort(), new() { ["Malaria__Models__mobilenet__Path"] = missing });
        var stopped = broken.WaitForExit(TimeSpan.FromSeconds(60));
        if (!stopped) broken.Kill(entireProcessTree: true);
        Assert.That(stopped, Is.True, "the app stops instead of serving");
        Assert.That(broken.ExitCode, Is.Not.Zero);
        var log = broken.StandardOutput.ReadToEnd() + broken.StandardError.ReadToEnd();
        Assert.That(log, Does.Contain(missing).And.Contain("does not exist"));
        Assert.That(log, Does.Not.Contain("Could not load file or assembly"), "the message is about the model, not an assembly");
    }

    /// <summary>The first ```csharp block of the package README that matches.</summary>
    private string CodeBlock(Func<string, bool> match)
    {
        var blocks = Regex.Matches(_readme, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        var block = blocks.FirstOrDefault(match);
        Assert.That(block, Is.Not.Null, "the README has the example");
        return block!;
    }

    /// <summary>A real cell when ../shared is there, else a generated cell-sized image.</summary>
    private static byte[] CellPng()
    {
        var folder = Path.Combine(SharedData.MalariaImagesPath, "Parasitized");
        return Directory.Exists(folder)
            ? File.ReadAllBytes(Directory.EnumerateFiles(folder, "*.png").Order(StringComparer.Ordinal).First())
            : TestImages.Png(TestImages.Tint.Red, 130, 130);
    }

    private string CreateApp(string name, string sdk, string properties, string[] packages, string[]? pinnedPackages = null)
    {
        var app = _work.Combine(name);
        Directory.CreateDirectory(app);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="local" value="{_work.Combine("feed")}" /></packageSources>
              <config><add key="globalPackagesFolder" value="{_work.Combine("packages")}" /></config>
              <fallbackPackageFolders><clear /><add key="machine-cache" value="{cache}" /></fallbackPackageFolders>
            </configuration>
            """);
        var pins = XDocument.Load(Path.Combine(RepositoryRoot(), "Directory.Packages.props"));
        foreach (var package in packages)
            pins.Root!.Elements("ItemGroup").First().Add(new XElement("PackageVersion", new XAttribute("Include", package), new XAttribute("Version", _appVersion)));
        pins.Save(Path.Combine(app, "Directory.Packages.props"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                {properties}
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>{string.Concat(packages.Concat(pinnedPackages ?? []).Select(p => $"<PackageReference Include=\"{p}\" />"))}</ItemGroup>
            </Project>
            """);
        return app;
    }

    private static void CheckInferencePackage(string package)
    {
        var (entries, meta, dependencies) = Open(package);
        foreach (var tfm in new[] { "net8.0", "net10.0" })
        {
            Assert.That(entries, Does.Contain($"lib/{tfm}/Malaria.Inference.dll"));
            Assert.That(entries, Does.Contain($"lib/{tfm}/Malaria.Inference.xml"), "XML docs ship with the package");
        }
        Assert.That(entries, Does.Contain("README.md").And.Contain("MODEL_CARD.md"));
        Assert.That(meta("id"), Is.EqualTo("Malaria.Inference"));
        Assert.That(meta("version"), Is.EqualTo(Version));
        Assert.That(meta("license"), Is.EqualTo("MIT"));
        Assert.That(meta("readme"), Is.EqualTo("README.md"));
        Assert.That(meta("projectUrl"), Does.StartWith("https://"));
        Assert.That(meta("releaseNotes"), Is.Not.Empty);
        Assert.That(meta("tags"), Does.Contain("malaria"));
        Assert.That(meta("description"), Does.Contain("Parasitized"));
        Assert.That(dependencies, Does.Contain("Microsoft.ML.OnnxRuntime").And.Contain("Microsoft.ML.ImageAnalytics"));
        Assert.That(dependencies.Any(d => d.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)), Is.False, "never TorchSharp");
        Assert.That(dependencies, Does.Not.Contain("Microsoft.Extensions.Diagnostics.HealthChecks"), "health checks live in the companion package");
    }

    private static void CheckHealthChecksPackage(string package)
    {
        var (entries, meta, dependencies) = Open(package);
        Assert.That(entries, Does.Contain("lib/net8.0/Malaria.Inference.HealthChecks.dll"));
        Assert.That(meta("projectUrl"), Does.StartWith("https://"));
        Assert.That(dependencies, Does.Contain("Malaria.Inference").And.Contain("Microsoft.Extensions.Diagnostics.HealthChecks"));
    }

    private static (HashSet<string> Entries, Func<string, string> Meta, HashSet<string> Dependencies) Open(string package)
    {
        Assert.That(package, Does.Exist);
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        string Meta(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToHashSet();
        var repository = nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == "repository");
        Assert.That(repository?.Attribute("url")?.Value, Does.StartWith("https://"), "the package names its repository");
        return (entries, Meta, dependencies);
    }

    private static Process Start(string workingDirectory, string dll, int port, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    private static async Task WaitUntilServing(HttpClient http, Process server)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.That(server.HasExited, Is.False, () => "the app exited: " + server.StandardError.ReadToEnd() + server.StandardOutput.ReadToEnd());
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(250);
        }
        Assert.Fail("the app did not start serving within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
