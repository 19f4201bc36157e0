using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Malaria.Web.Tests.Support;

namespace Malaria.Web.Tests.Api;

/// <summary><c>/api/classify</c>, <c>/api/explain</c> and <c>/api/models</c> with real cells and real bad inputs, on one app.</summary>
[TestFixture]
public sealed class ClassifyApiTests
{
    private MalariaWebFactory _app = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _app = new MalariaWebFactory(new Dictionary<string, string?>
        {
            ["Web:MaxFilesPerRequest"] = "12",
            ["Web:MaxRequestBytes"] = "1048576",
            ["Web:MaxFileBytes"] = "262144",
        });
        _client = _app.CreateClient();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _app.Dispose();
    }

    [Test]
    public async Task Models_lists_the_built_in_model_with_its_card()
    {
        var models = await _client.GetFromJsonAsync<JsonElement>("/api/models");
        var model = models.EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(model.GetProperty("name").GetString(), Is.EqualTo("default"));
            Assert.That(model.GetProperty("version").GetString(), Has.Length.EqualTo(64));
            Assert.That(model.GetProperty("labels").EnumerateArray().Select(l => l.GetString()), Is.EqualTo(new[] { "Parasitized", "Uninfected" }));
            Assert.That(model.GetProperty("inputWidth").GetInt32(), Is.EqualTo(64));
            Assert.That(model.GetProperty("metrics").GetProperty("accuracy").GetDouble(), Is.GreaterThan(0.9));
            Assert.That(model.GetProperty("metricsPart").GetString(), Is.EqualTo("test"));
        });
    }

    [Test]
    public async Task An_unmasked_crop_is_scored_with_a_warning_and_a_training_like_crop_without()
    {
        using var response = await _client.PostAsync("/api/classify",
            Forms.Files(("masked.png", File.ReadAllBytes(SharedData.Parasitized)), ("plasma.png", TestFiles.OnPlasma(SharedData.Parasitized))));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var files = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(files[0].GetProperty("warnings").GetArrayLength(), Is.Zero);
            var warning = files[1].GetProperty("warnings").EnumerateArray().Single();
            Assert.That(warning.GetProperty("code").GetString(), Is.EqualTo("NoMaskedBackground"));
            Assert.That(warning.GetProperty("message").GetString(), Does.Contain("black background"));
            Assert.That(files[1].GetProperty("label").GetString(), Is.Not.Null, "still scored");
        });
    }

    [Test]
    public async Task A_real_parasitized_and_a_real_uninfected_cell_get_their_labels()
    {
        using var response = await _client.PostAsync("/api/classify", Forms.Paths(SharedData.Parasitized, SharedData.Uninfected));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var files = body.GetProperty("files").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(files[0].GetProperty("label").GetString(), Is.EqualTo("Parasitized"));
            Assert.That(files[1].GetProperty("label").GetString(), Is.EqualTo("Uninfected"));
            Assert.That(files[0].GetProperty("probabilityParasitized").GetSingle(), Is.GreaterThan(0.5f));
            Assert.That(files[1].GetProperty("scores").GetProperty("Uninfected").GetSingle(), Is.EqualTo(files[1].GetProperty("confidence").GetSingle()));
            Assert.That(files[0].GetProperty("model").GetString(), Is.EqualTo("default"));
            Assert.That(files[0].GetProperty("modelVersion").GetString(), Is.EqualTo(body.GetProperty("modelVersion").GetString()));
            Assert.That(body.GetProperty("parasitized").GetInt32(), Is.EqualTo(1));
            Assert.That(body.GetProperty("total").GetInt32(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task The_same_cell_as_png_jpeg_and_bmp_gets_the_same_label()
    {
        var cell = SharedData.Parasitized;
        using var response = await _client.PostAsync("/api/classify", Forms.Files(
            ("cell.png", File.ReadAllBytes(cell)), ("cell.jpg", TestFiles.AsJpeg(cell)), ("cell.bmp", TestFiles.AsBmp(cell))));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var files = body.GetProperty("files").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(files.Select(f => f.GetProperty("label").GetString()), Has.All.EqualTo("Parasitized"));
            var png = files[0].GetProperty("probabilityParasitized").GetSingle();
            Assert.That(files[2].GetProperty("probabilityParasitized").GetSingle(), Is.EqualTo(png).Within(1e-4f), "BMP holds the same pixels");
            Assert.That(files[1].GetProperty("probabilityParasitized").GetSingle(), Is.EqualTo(png).Within(0.05f), "JPEG is lossy");
        });
    }

    [Test]
    public async Task A_bad_file_in_a_batch_gets_its_own_error_and_the_others_are_scored()
    {
        var form = Forms.Files(
            (Path.GetFileName(SharedData.Parasitized), File.ReadAllBytes(SharedData.Parasitized)),
            ("notes.txt", TestFiles.Text()),
            ("anim.gif", TestFiles.Gif()),
            (Path.GetFileName(SharedData.Uninfected), File.ReadAllBytes(SharedData.Uninfected)));
        using var response = await _client.PostAsync("/api/classify", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var files = body.GetProperty("files").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(files.Select(f => f.GetProperty("file").GetString()), Is.EqualTo(new[]
                { Path.GetFileName(SharedData.Parasitized), "notes.txt", "anim.gif", Path.GetFileName(SharedData.Uninfected) }));
            Assert.That(files[0].GetProperty("label").GetString(), Is.EqualTo("Parasitized"));
            Assert.That(files[1].GetProperty("error").GetProperty("status").GetInt32(), Is.EqualTo(400));
            Assert.That(files[1].GetProperty("error").GetProperty("reason").GetString(), Is.EqualTo("NotAnImage"));
            Assert.That(files[1].GetProperty("error").GetProperty("detail").GetString(), Does.Contain("notes.txt"));
            Assert.That(files[2].GetProperty("error").GetProperty("status").GetInt32(), Is.EqualTo(415));
            Assert.That(files[3].GetProperty("label").GetString(), Is.EqualTo("Uninfected"));
            Assert.That(body.GetProperty("failed").GetInt32(), Is.EqualTo(2));
        });
    }

    private static IEnumerable<TestCaseData> BadFiles()
    {
        yield return new TestCaseData("empty.png", (Func<byte[]>)(() => []), 400, "Empty").SetName("Empty file: 400");
        yield return new TestCaseData("half.png", (Func<byte[]>)(() => TestFiles.Truncated(SharedData.Parasitized)), 400, "Truncated").SetName("Truncated PNG: 400");
        yield return new TestCaseData("notes.txt", (Func<byte[]>)TestFiles.Text, 400, "NotAnImage").SetName("Text file: 400");
        yield return new TestCaseData("anim.gif", (Func<byte[]>)TestFiles.Gif, 415, "UnsupportedFormat").SetName("GIF: 415");
        yield return new TestCaseData("bomb.png", (Func<byte[]>)(() => TestFiles.DecompressionBomb()), 413, "TooLarge").SetName("Decompression bomb: 413");
        yield return new TestCaseData("big.png", (Func<byte[]>)(() => new byte[300_000]), 413, "TooLarge").SetName("File over MaxFileBytes: 413");
    }

    [TestCaseSource(nameof(BadFiles))]
    public async Task A_lone_bad_file_is_answered_with_its_problem(string name, Func<byte[]> bytes, int status, string reason)
    {
        foreach (var endpoint in new[] { "/api/classify", "/api/explain" })
        {
            using var response = await _client.PostAsync(endpoint, Forms.Files(endpoint.EndsWith("explain") ? "file" : "files", (name, bytes())));
            var problem = await ProblemAssert.ReadAsync(response, status);
            Assert.Multiple(() =>
            {
                Assert.That(problem.GetProperty("reason").GetString(), Is.EqualTo(reason), endpoint);
                Assert.That(problem.GetProperty("file").GetString(), Is.EqualTo(name), endpoint);
                Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(name), endpoint);
            });
        }
    }

    [Test]
    public async Task Too_many_files_is_413()
    {
        var cells = Enumerable.Repeat(SharedData.Uninfected, 13).ToArray();
        using var response = await _client.PostAsync("/api/classify", Forms.Paths(cells));
        var problem = await ProblemAssert.ReadAsync(response, 413);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("13 files").And.Contain("12"));
    }

    [Test]
    public async Task A_request_over_the_size_limit_is_413()
    {
        var form = Forms.Files([.. Enumerable.Range(0, 6).Select(i => ($"cell{i}.png", new byte[200_000]))]);
        using var response = await _client.PostAsync("/api/classify", form);
        var problem = await ProblemAssert.ReadAsync(response, 413);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("1,048,576"));
    }

    [Test]
    public async Task A_chunked_request_over_the_size_limit_is_413_while_it_arrives()
    {
        // No Content-Length: the form reader's own limit cuts the body off.
        var form = Forms.Files([.. Enumerable.Range(0, 6).Select(i => ($"cell{i}.png", new byte[200_000]))]);
        var chunked = new StreamContent(new MemoryStream(await form.ReadAsByteArrayAsync()));
        chunked.Headers.ContentType = form.Headers.ContentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/classify") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _client.SendAsync(request);
        await ProblemAssert.ReadAsync(response, 413);
    }

    [Test]
    public async Task An_unknown_model_is_404_listing_the_models()
    {
        using var response = await _client.PostAsync("/api/classify?model=nope", Forms.Paths(SharedData.Parasitized));
        var problem = await ProblemAssert.ReadAsync(response, 404);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("'nope'").And.Contain("default"));
        using var explain = await _client.PostAsync("/api/explain?model=nope", Forms.Files("file", ("c.png", File.ReadAllBytes(SharedData.Parasitized))));
        await ProblemAssert.ReadAsync(explain, 404);
    }

    [Test]
    public async Task No_file_or_no_form_is_400()
    {
        using var empty = await _client.PostAsync("/api/classify", new MultipartFormDataContent { { new StringContent("x"), "note" } });
        await ProblemAssert.ReadAsync(empty, 400);
        using var raw = await _client.PostAsync("/api/classify", new ByteArrayContent(File.ReadAllBytes(SharedData.Parasitized)));
        await ProblemAssert.ReadAsync(raw, 400);
    }

    [Test]
    public async Task Explain_returns_the_overlay_png_of_the_cell()
    {
        using var response = await _client.PostAsync("/api/explain", Forms.Files("file", ("cell.png", File.ReadAllBytes(SharedData.Parasitized))));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/png"));
        var png = await response.Content.ReadAsByteArrayAsync();
        var original = File.ReadAllBytes(SharedData.Parasitized);
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        // Same size as the cell: IHDR width and height at bytes 16..24.
        Assert.That(png[16..24], Is.EqualTo(original[16..24]));
    }

    [Test]
    public async Task Explain_with_accept_json_returns_the_raw_heatmap_of_the_asked_label()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/explain?label=Uninfected")
        {
            Content = Forms.Files("file", ("cell.png", File.ReadAllBytes(SharedData.Parasitized))),
        };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var values = body.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("targetLabel").GetString(), Is.EqualTo("Uninfected"));
            Assert.That(body.GetProperty("label").GetString(), Is.EqualTo("Parasitized"));
            Assert.That(values, Has.Length.EqualTo(body.GetProperty("width").GetInt32() * body.GetProperty("height").GetInt32()));
            Assert.That(values, Has.All.InRange(0f, 1f));
        });
    }

    [Test]
    public async Task Explain_with_an_unknown_label_is_400()
    {
        using var response = await _client.PostAsync("/api/explain?label=Sick", Forms.Files("file", ("cell.png", File.ReadAllBytes(SharedData.Parasitized))));
        var problem = await ProblemAssert.ReadAsync(response, 400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Sick").And.Contain("Parasitized"));
    }

    [Test]
    public async Task The_openapi_document_describes_the_api()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.Multiple(() =>
        {
            Assert.That(paths.TryGetProperty("/api/classify", out var classify), Is.True);
            Assert.That(paths.TryGetProperty("/api/explain", out var explain), Is.True);
            Assert.That(explain.GetProperty("post").GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Select(c => c.Name),
                Is.EquivalentTo(new[] { "image/png", "application/json" }));
            Assert.That(paths.TryGetProperty("/api/models", out _), Is.True);
            Assert.That(classify.GetProperty("post").GetProperty("responses").EnumerateObject().Select(r => r.Name),
                Is.SupersetOf(new[] { "200", "400", "404", "413", "415", "429" }));
        });
    }

    [Test]
    public async Task Metrics_are_exported_for_prometheus()
    {
        using var _ = await _client.PostAsync("/api/classify", Forms.Paths(SharedData.Uninfected));
        // The exporter caches a scrape for a short while; the counter appears once the meter has been read.
        string text = "";
        for (var attempt = 0; attempt < 20 && !text.Contains("malaria_web_images_total"); attempt++)
        {
            text = await _client.GetStringAsync("/metrics");
            if (!text.Contains("malaria_web_images_total")) await Task.Delay(250);
        }
        Assert.That(text, Does.Contain("malaria_web_images_total{").And.Contain("malaria_web_scoring_duration_seconds_bucket"));
    }

    [Test]
    public async Task The_page_is_served_by_the_app_without_external_resources()
    {
        var html = await _client.GetStringAsync("/");
        Assert.That(html, Does.Contain("Not for diagnosis").And.Contain("app.js").And.Contain("app.css"));
        Assert.That(System.Text.RegularExpressions.Regex.IsMatch(html, @"(src|href)\s*=\s*""(https?:)?//"), Is.False, "no CDN: scripts, styles and links are the app's own");
        Assert.That((await _client.GetAsync("/app.js")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
