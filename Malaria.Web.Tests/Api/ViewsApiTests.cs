using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Malaria.Inference;
using Malaria.Web.Tests.Support;

namespace Malaria.Web.Tests.Api;

/// <summary>
/// Views chosen per request: <c>views=8</c> (query or form field) scores the mean over the image's rotations and
/// mirror images, as the library does; without it the model's configured views (one); anything else is a 400.
/// </summary>
[TestFixture]
public sealed class ViewsApiTests
{
    private MalariaWebFactory _app = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _app = new MalariaWebFactory();
        _client = _app.CreateClient();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _app.Dispose();
    }

    private static async Task<JsonElement> FirstFile(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files")[0];
    }

    [Test]
    public async Task Eight_views_by_query_or_form_field_give_the_librarys_eight_view_probability()
    {
        using var library = MalariaClassifier.LoadDefault();
        var cell = SharedData.Parasitized;
        var single = library.Classify(cell, ScoringViews.Single).ScoreOf("Parasitized");
        var eight = library.Classify(cell, ScoringViews.Dihedral).ScoreOf("Parasitized");
        Assert.That(eight, Is.Not.EqualTo(single).Within(1e-6f), "the cell's 8 views do not all score alike, so the test can tell them apart");

        using var plain = await _client.PostAsync("/api/classify", Forms.Paths(cell));
        using var byQuery = await _client.PostAsync("/api/classify?views=8", Forms.Paths(cell));
        var form = Forms.Paths(cell);
        form.Add(new StringContent("8"), "views");
        using var byForm = await _client.PostAsync("/api/classify", form);

        var p = await FirstFile(plain);
        Assert.That(p.GetProperty("views").GetInt32(), Is.EqualTo(1), "one view unless asked");
        Assert.That(p.GetProperty("probabilityParasitized").GetSingle(), Is.EqualTo(single).Within(1e-6f));
        foreach (var response in new[] { byQuery, byForm })
        {
            var f = await FirstFile(response);
            Assert.That(f.GetProperty("views").GetInt32(), Is.EqualTo(8));
            Assert.That(f.GetProperty("probabilityParasitized").GetSingle(), Is.EqualTo(eight).Within(1e-6f));
        }
    }

    [Test]
    public async Task Explain_takes_eight_views_too()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/explain?views=8") { Content = Forms.Files("file", ("c.png", File.ReadAllBytes(SharedData.Parasitized))) };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var library = MalariaClassifier.LoadDefault();
        var expected = library.Classify(SharedData.Parasitized, ScoringViews.Dihedral).ScoreOf("Parasitized");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("scores").GetProperty("Parasitized").GetSingle(), Is.EqualTo(expected).Within(1e-6f));
    }

    [TestCase("/api/classify?views=4")]
    [TestCase("/api/classify?views=eight")]
    [TestCase("/api/explain?views=2")]
    public async Task Another_number_of_views_is_a_400_naming_the_choices(string url)
    {
        var field = url.Contains("explain") ? "file" : "files";
        using var response = await _client.PostAsync(url, Forms.Files(field, ("c.png", File.ReadAllBytes(SharedData.Parasitized))));
        var problem = await ProblemAssert.ReadAsync(response, 400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("views").And.Contain("1").And.Contain("8"));
    }
}
