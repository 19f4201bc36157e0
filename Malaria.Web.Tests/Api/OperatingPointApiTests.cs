using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Malaria.Web.Tests.Support;

namespace Malaria.Web.Tests.Api;

/// <summary>
/// Operating points through the API: <c>/api/models</c> lists them, <c>/api/classify</c> decides at the one a request
/// names (query or form field) and refuses one the model lacks.
/// </summary>
[TestFixture]
public sealed class OperatingPointApiTests
{
    private ModelFiles _files = null!;
    private MalariaWebFactory _app = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _files = new ModelFiles();
        _app = new MalariaWebFactory(new Dictionary<string, string?> { ["Malaria:Models:calibrated:Path"] = _files.CopyWithOperatingPoints("calibrated") });
        _client = _app.CreateClient();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _app.Dispose();
        _files.Dispose();
    }

    private async Task<JsonElement> Model(string name) =>
        (await _client.GetFromJsonAsync<JsonElement>("/api/models")).EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    [Test]
    public async Task Models_lists_the_operating_points_and_the_one_in_use()
    {
        var calibrated = await Model("calibrated");
        var builtIn = await Model("default");
        Assert.Multiple(() =>
        {
            Assert.That(calibrated.GetProperty("operatingPoint").GetString(), Is.EqualTo("balanced"));
            Assert.That(calibrated.GetProperty("temperature").GetDouble(), Is.EqualTo(1.5));
            Assert.That(calibrated.GetProperty("scoredViews").GetInt32(), Is.EqualTo(1));
            var points = calibrated.GetProperty("operatingPoints").EnumerateArray().ToArray();
            Assert.That(points.Select(p => p.GetProperty("name").GetString()), Is.EqualTo(new[] { "balanced", "screening" }));
            Assert.That(points[1].GetProperty("threshold").GetDouble(), Is.EqualTo(0.05));
            Assert.That(points[1].GetProperty("sensitivity").GetDouble(), Is.EqualTo(0.99));
            // The built-in model's own card: its one-view temperature and points.
            var card = Malaria.Inference.MalariaClassifier.LoadDefault().Model.Card;
            Assert.That(builtIn.GetProperty("operatingPoints").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("threshold").GetDouble())),
                Is.EqualTo(card.OperatingPoints!.Where(p => p.Views == 1).Select(p => (p.Name, p.Threshold))));
            Assert.That(builtIn.GetProperty("temperature").GetDouble(), Is.EqualTo(card.Calibration!.Single(c => c.Views == 1).Temperature));
        });
    }

    [Test]
    public async Task Classify_decides_at_the_named_point_by_query_or_form_field()
    {
        using var plain = await _client.PostAsync("/api/classify?model=calibrated", Forms.Paths(SharedData.Uninfected));
        using var byQuery = await _client.PostAsync("/api/classify?model=calibrated&operatingPoint=screening", Forms.Paths(SharedData.Uninfected));
        var form = Forms.Paths(SharedData.Uninfected);
        form.Add(new StringContent("screening"), "operatingPoint");
        using var byForm = await _client.PostAsync("/api/classify?model=calibrated", form);
        Assert.That((plain.StatusCode, byQuery.StatusCode, byForm.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK)));
        var p = (await plain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files")[0];
        var q = (await byQuery.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files")[0];
        var f = (await byForm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files")[0];
        var probability = p.GetProperty("probabilityParasitized").GetSingle();
        Assert.Multiple(() =>
        {
            Assert.That(p.GetProperty("operatingPoint").GetString(), Is.EqualTo("balanced"));
            Assert.That(p.GetProperty("threshold").GetDouble(), Is.EqualTo(0.5));
            Assert.That(p.GetProperty("isParasitized").GetBoolean(), Is.EqualTo(probability >= 0.5));
            foreach (var screened in new[] { q, f })
            {
                Assert.That(screened.GetProperty("operatingPoint").GetString(), Is.EqualTo("screening"));
                Assert.That(screened.GetProperty("threshold").GetDouble(), Is.EqualTo(0.05));
                Assert.That(screened.GetProperty("probabilityParasitized").GetSingle(), Is.EqualTo(probability), "the point moves the label, not the probability");
                Assert.That(screened.GetProperty("isParasitized").GetBoolean(), Is.EqualTo(probability >= 0.05));
                Assert.That(screened.GetProperty("label").GetString(), Is.EqualTo(probability >= 0.05 ? "Parasitized" : "Uninfected"));
            }
        });
    }

    [Test]
    public async Task The_built_in_models_probabilities_are_unchanged_and_decided_at_balanced()
    {
        using var response = await _client.PostAsync("/api/classify?operatingPoint=balanced", Forms.Paths(SharedData.Parasitized));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var file = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files")[0];
        Assert.That(file.GetProperty("operatingPoint").GetString(), Is.EqualTo("balanced"));
        Assert.That(file.GetProperty("label").GetString(), Is.EqualTo("Parasitized"));
    }

    [TestCase("/api/classify?model=calibrated&operatingPoint=triage")]
    [TestCase("/api/classify?operatingPoint=triage")]
    public async Task An_unknown_operating_point_is_a_400_naming_the_known_ones(string url)
    {
        using var response = await _client.PostAsync(url, Forms.Paths(SharedData.Parasitized));
        var problem = await ProblemAssert.ReadAsync(response, 400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("has no operating point").And.Contain("balanced"));
    }
}
