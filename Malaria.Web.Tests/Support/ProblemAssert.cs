using System.Net.Http.Json;
using System.Text.Json;

namespace Malaria.Web.Tests.Support;

internal static class ProblemAssert
{
    /// <summary>Asserts an application/problem+json response with the status, and returns its body.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(status));
        Assert.That(problem.GetProperty("title").GetString(), Is.Not.Empty);
        return problem;
    }
}
