// A bounded load test of Malaria.Web on this machine: N concurrent clients post real cell images to /api/classify
// for a fixed time (and at most a fixed count), then print throughput, latency percentiles and status counts.
// Targets loopback addresses only; stops by itself.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Malaria.Web.LoadTest;

var options = LoadOptions.Parse(args);
if (options is null) return 2;

var images = Directory.EnumerateFiles(options.Images, "*.png", SearchOption.AllDirectories)
    .Order(StringComparer.Ordinal).Take(options.ImageCount).Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).ToArray();
if (images.Length == 0) { Console.Error.WriteLine($"No PNG under {options.Images}."); return 2; }

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients, UseProxy = false })
{
    BaseAddress = options.Url,
    Timeout = TimeSpan.FromSeconds(30),
};
Console.WriteLine($"Load test: {options.Clients} clients, {options.Duration.TotalSeconds:F0} s (at most {options.MaxRequests:N0} requests), " +
    $"{options.FilesPerRequest} file(s) per request, model {options.Model}, {images.Length} images, target {options.Url}");

// Warm up: one request, so model loading and JIT do not count.
using (var warm = await http.PostAsync(options.Path, Form(images, 0, options.FilesPerRequest))) warm.EnsureSuccessStatusCode();

var latencies = new ConcurrentBag<double>();
var statuses = new ConcurrentDictionary<string, int>();
var issued = 0;
var clock = Stopwatch.StartNew();
var deadline = options.Duration;
var clients = Enumerable.Range(0, options.Clients).Select(async client =>
{
    var next = client * 7;
    while (clock.Elapsed < deadline && Interlocked.Increment(ref issued) <= options.MaxRequests)
    {
        using var form = Form(images, next, options.FilesPerRequest);
        next += options.FilesPerRequest;
        var started = Stopwatch.GetTimestamp();
        string status;
        try
        {
            using var response = await http.PostAsync(options.Path, form);
            await response.Content.LoadIntoBufferAsync();
            status = ((int)response.StatusCode).ToString();
            if (response.StatusCode == HttpStatusCode.OK) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            status = ex.GetType().Name;
        }
        statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
    }
}).ToArray();
await Task.WhenAll(clients);
var elapsed = clock.Elapsed.TotalSeconds;

var sorted = latencies.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
var ok = statuses.GetValueOrDefault("200");
var saturated = statuses.GetValueOrDefault("429");
var errors = statuses.Where(s => s.Key is not "200" and not "429").Sum(s => s.Value);
Console.WriteLine($"requests   {statuses.Values.Sum():N0} in {elapsed:F1} s: {ok:N0} ok, {saturated:N0} refused (429), {errors:N0} errors");
Console.WriteLine($"throughput {ok / elapsed:F1} requests/s, {ok * options.FilesPerRequest / elapsed:F1} images/s (successful)");
Console.WriteLine($"latency    p50 {Percentile(50):F1} ms, p90 {Percentile(90):F1} ms, p99 {Percentile(99):F1} ms, max {(sorted.Length > 0 ? sorted[^1] : double.NaN):F1} ms (successful requests)");
Console.WriteLine($"statuses   {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}"))}");
return errors == 0 ? 0 : 1;

static MultipartFormDataContent Form((string Name, byte[] Bytes)[] images, int start, int count)
{
    var form = new MultipartFormDataContent();
    for (var i = 0; i < count; i++)
    {
        var (name, bytes) = images[(start + i) % images.Length];
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(content, "files", name);
    }
    return form;
}
