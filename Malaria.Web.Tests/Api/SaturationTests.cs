using System.Net;
using Malaria.Web.Classification;
using Malaria.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Malaria.Web.Tests.Api;

/// <summary>The concurrency limiter in front of scoring: 429 above its slots and queue, never below.</summary>
[TestFixture]
public sealed class SaturationTests
{
    [Test]
    public async Task Requests_beyond_the_slots_and_the_queue_get_429_with_retry_after()
    {
        using var app = new MalariaWebFactory(new Dictionary<string, string?>
        {
            ["Web:MaxConcurrentScoring"] = "1",
            ["Web:ScoringQueueLimit"] = "1",
            ["Web:RetryAfterSeconds"] = "2",
        });
        using var client = app.CreateClient();
        var gate = app.Services.GetRequiredService<ScoringGate>();
        var cell = File.ReadAllBytes(SharedData.Parasitized);

        // Hold the one slot, as a long request would; the next request waits in the queue, the one after is refused.
        var held = await gate.EnterAsync(CancellationToken.None);
        var queued = client.PostAsync("/api/classify", Forms.Files(("a.png", cell)));
        await WaitUntil(() => gate.Load.Queued == 1);
        using (var refused = await client.PostAsync("/api/classify", Forms.Files(("b.png", cell))))
        {
            var problem = await ProblemAssert.ReadAsync(refused, 429);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("busy"));
        }
        using (var refusedExplain = await client.PostAsync("/api/explain", Forms.Files("file", ("c.png", cell))))
            await ProblemAssert.ReadAsync(refusedExplain, 429);

        held.Dispose();
        using var served = await queued;
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the queued request is served once the slot frees");
    }

    [Test]
    public async Task A_burst_above_the_limit_gets_429s_and_one_within_it_gets_none()
    {
        using var app = new MalariaWebFactory(new Dictionary<string, string?>
        {
            ["Web:MaxConcurrentScoring"] = "1",
            ["Web:ScoringQueueLimit"] = "2",
        });
        using var client = app.CreateClient();
        var cells = SharedData.Cells("Parasitized", 8).Concat(SharedData.Cells("Uninfected", 8)).ToArray();

        // Within the limit: as many concurrent requests as slots plus queue places.
        var within = await Burst(client, cells, 3);
        Assert.That(within, Has.All.EqualTo(HttpStatusCode.OK));

        // Above it: 24 concurrent requests of 16 cells each, released together. On 2 cores the thread pool would
        // otherwise start them a few at a time (it adds threads slowly), queueing them before the gate, not at it.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
        HttpStatusCode[] above;
        try { above = await Burst(client, cells, 24); }
        finally { ThreadPool.SetMinThreads(workers, io); }
        Assert.Multiple(() =>
        {
            Assert.That(above, Has.All.AnyOf(HttpStatusCode.OK, HttpStatusCode.TooManyRequests), "429 is the only refusal");
            Assert.That(above.Count(s => s == HttpStatusCode.TooManyRequests), Is.GreaterThan(0), "some requests are refused");
            Assert.That(above.Count(s => s == HttpStatusCode.OK), Is.GreaterThanOrEqualTo(3), "the slot and the queue are served");
        });
    }

    private static async Task<HttpStatusCode[]> Burst(HttpClient client, string[] cells, int requests)
    {
        var bodies = Enumerable.Range(0, requests).Select(_ => Forms.Paths(cells)).ToArray();
        // Buffer every body first so the requests reach the gate together.
        foreach (var body in bodies) await body.LoadIntoBufferAsync();
        using var start = new SemaphoreSlim(0);
        var tasks = bodies.Select(async body =>
        {
            await start.WaitAsync();
            using var response = await client.PostAsync("/api/classify", body);
            return response.StatusCode;
        }).ToArray();
        start.Release(requests);
        return await Task.WhenAll(tasks);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.That(condition(), Is.True, "timed out waiting");
    }
}
