using System.Net;

namespace Malaria.Web.LoadTest;

/// <summary>Command-line options, bounded: loopback targets only, at most 10 minutes, 256 clients and 1,000,000 requests.</summary>
internal sealed record LoadOptions(Uri Url, int Clients, TimeSpan Duration, int MaxRequests, int FilesPerRequest, string Model, string Images, int ImageCount)
{
    public string Path => $"/api/classify?model={Uri.EscapeDataString(Model)}";

    private const string Usage = """
        Malaria.Web.LoadTest [--url http://127.0.0.1:5080] [--clients 4] [--seconds 20] [--max-requests 100000]
                             [--files 1] [--model default] [--images DIR] [--image-count 200]
          Posts real cell images to /api/classify from N concurrent clients for a fixed time, then prints throughput,
          p50/p90/p99 latency and status counts. The URL must be a loopback address. Exit code 1 when any answer is
          neither 200 nor 429.
        """;

    public static LoadOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help") { Console.WriteLine(Usage); return null; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) { Console.Error.WriteLine(Usage); return null; }
            values[args[i][2..]] = args[++i];
        }
        string Get(string key, string fallback) => values.GetValueOrDefault(key, fallback);
        var url = new Uri(Get("url", "http://127.0.0.1:5080"));
        if (!IsLoopback(url)) { Console.Error.WriteLine($"Refusing {url}: the load test targets loopback addresses only (127.0.0.0/8, ::1, localhost)."); return null; }
        var images = Get("images", DefaultImages());
        if (!Directory.Exists(images)) { Console.Error.WriteLine($"No image folder at {images}; pass --images DIR."); return null; }
        return new LoadOptions(
            url,
            Math.Clamp(int.Parse(Get("clients", "4")), 1, 256),
            TimeSpan.FromSeconds(Math.Clamp(double.Parse(Get("seconds", "20"), System.Globalization.CultureInfo.InvariantCulture), 1, 600)),
            Math.Clamp(int.Parse(Get("max-requests", "100000")), 1, 1_000_000),
            Math.Clamp(int.Parse(Get("files", "1")), 1, 64),
            Get("model", "default"),
            images,
            Math.Clamp(int.Parse(Get("image-count", "200")), 1, 10_000));
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The NIH cells beside the repository (../shared), or MALARIA_SHARED.</summary>
    private static string DefaultImages()
    {
        var shared = Environment.GetEnvironmentVariable("MALARIA_SHARED");
        if (string.IsNullOrEmpty(shared))
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null && shared is null; dir = dir.Parent)
                if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "shared", "datasets"))) shared = System.IO.Path.Combine(dir.FullName, "shared");
        return System.IO.Path.Combine(shared ?? "../shared", "datasets", "malaria", "cell_images");
    }
}
