using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Malaria.TestSupport;
using Malaria.Web.Tests.Support;

namespace Malaria.Web.Tests.Api;

/// <summary>Configured models: hot reload seen through the API, health around a failed reload, and start-up failures.</summary>
[TestFixture]
public sealed class ModelLifecycleTests
{
    [Test]
    public async Task A_replaced_model_file_is_served_without_a_restart()
    {
        using var files = new ModelFiles();
        var path = files.Copy("watched");
        using var app = new MalariaWebFactory(new Dictionary<string, string?>
        {
            ["Malaria:Models:watched:Path"] = path,
            ["Malaria:Models:watched:WatchForChanges"] = "true",
        });
        using var client = app.CreateClient();
        var before = await VersionOf(client, "watched");
        Assert.That(before, Is.EqualTo(await VersionOf(client, "default")), "a copy of the built-in model: same bytes, same version");

        ModelFiles.WriteVariant(path, "retrained");
        var after = await Poll(() => VersionOf(client, "watched"), v => v != before, "the new version");

        using var response = await client.PostAsync("/api/classify?model=watched", Forms.Paths(SharedData.Parasitized));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("modelVersion").GetString(), Is.EqualTo(after));
            Assert.That(body.GetProperty("files")[0].GetProperty("modelVersion").GetString(), Is.EqualTo(after));
            Assert.That(body.GetProperty("files")[0].GetProperty("label").GetString(), Is.EqualTo("Parasitized"));
        });
    }

    [Test]
    public async Task Health_is_ready_before_and_degraded_with_the_failure_after_a_failed_reload()
    {
        using var files = new ModelFiles();
        var path = files.Copy("watched");
        using var app = new MalariaWebFactory(new Dictionary<string, string?> { ["Malaria:Models:watched:Path"] = path });
        using var client = app.CreateClient();

        var live = await client.GetAsync("/health/live");
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ready = await Health(client);
        Assert.Multiple(() =>
        {
            Assert.That(ready.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
            var models = ready.GetProperty("checks").GetProperty("models").GetProperty("data");
            Assert.That(models.GetProperty("watched").GetProperty("version").GetString(), Has.Length.EqualTo(64));
            Assert.That(models.GetProperty("default").GetProperty("version").GetString(), Has.Length.EqualTo(64));
            Assert.That(models.GetProperty("watched").GetProperty("lastReloadFailure").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
        var version = await VersionOf(client, "watched");

        ModelFiles.WriteGarbage(path);
        var degraded = await Poll(() => Health(client), h => h.GetProperty("status").GetString() == "Degraded", "a Degraded report");
        var watched = degraded.GetProperty("checks").GetProperty("models").GetProperty("data").GetProperty("watched");
        Assert.Multiple(async () =>
        {
            Assert.That(watched.GetProperty("lastReloadFailure").GetString(), Does.Contain(path));
            Assert.That(watched.GetProperty("version").GetString(), Is.EqualTo(version), "the previous version keeps serving");
            Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "Degraded: the old model still serves");
        });

        // The old model keeps serving; a good file clears the failure.
        using var scored = await client.PostAsync("/api/classify?model=watched", Forms.Paths(SharedData.Uninfected));
        Assert.That(scored.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        ModelFiles.WriteVariant(path, "fixed");
        await Poll(() => Health(client), h => h.GetProperty("status").GetString() == "Healthy", "Healthy again");
    }

    [Test]
    public void A_model_that_fails_to_load_stops_start_up_naming_the_file()
    {
        using var files = new ModelFiles();
        var path = files.Copy("broken");
        ModelFiles.WriteGarbage(path);
        using var app = new MalariaWebFactory(new Dictionary<string, string?> { ["Malaria:Models:broken:Path"] = path });
        var said = StartFails(app);
        Assert.That(said, Does.StartWith("Malaria.Web cannot start: Model '" + path + "' cannot be loaded"));
    }

    [Test]
    public void Invalid_limits_stop_start_up()
    {
        using var app = new MalariaWebFactory(new Dictionary<string, string?> { ["Web:MaxFilesPerRequest"] = "0" });
        Assert.That(StartFails(app), Does.Contain("MaxFilesPerRequest"));
    }

    /// <summary>Asserts the app does not start and returns what it wrote to standard error.</summary>
    private static string StartFails(MalariaWebFactory app)
    {
        var saved = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try { Assert.Catch(() => app.CreateClient()); }
        finally { Console.SetError(saved); }
        return captured.ToString().Trim();
    }

    [Test]
    public async Task The_process_exits_with_one_line_naming_a_bad_model_file()
    {
        using var files = new ModelFiles();
        var path = files.Copy("broken");
        ModelFiles.WriteGarbage(path);
        var dll = Path.Combine(Repository.Root, "Malaria.Web", "bin", BuildConfiguration(), "net10.0", "Malaria.Web.dll");
        Assert.That(File.Exists(dll), Is.True, dll);
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["Malaria__Models__broken__Path"] = path;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(async () =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(1));
            Assert.That(lines, Has.Length.EqualTo(1), await stdout);
            Assert.That(lines[0], Does.StartWith("Malaria.Web cannot start: ").And.Contain(path));
        });
    }

    private static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    private static async Task<string> VersionOf(HttpClient client, string model)
    {
        var models = await client.GetFromJsonAsync<JsonElement>("/api/models");
        return models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == model).GetProperty("version").GetString()!;
    }

    private static async Task<JsonElement> Health(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>Polls until the condition holds (the watcher debounces, then loads): 30 s at most.</summary>
    private static async Task<T> Poll<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"Timed out waiting for {what}; last: {value}");
            await Task.Delay(200);
        }
    }
}
