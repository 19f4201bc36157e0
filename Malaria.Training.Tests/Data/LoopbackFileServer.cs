using System.Net;
using System.Net.Sockets;

namespace Malaria.Training.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 that serves fixed byte arrays, for testing the downloader without the internet.
/// A route can declare a Content-Length larger than what it sends and then drop the connection, like a broken download,
/// or stall: send nothing (not even headers) or part of the body, then stay silent until the server is disposed.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    private sealed record Route(byte[] Body, long? DeclaredLength, int? StallAfterBytes);

    public LoopbackFileServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    /// <param name="stallAfterBytes">0: never answer; n: send the headers and n bytes of the body, then nothing.</param>
    public Uri Serve(string name, byte[] body, long? declaredLength = null, int? stallAfterBytes = null)
    {
        lock (_routes) _routes["/" + name] = new Route(body, declaredLength, stallAfterBytes);
        return new Uri(BaseUri, name);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            Route? route;
            bool found;
            lock (_routes) found = _routes.TryGetValue(context.Request.Url!.AbsolutePath, out route);
            try
            {
                if (!found)
                {
                    context.Response.StatusCode = 404;
                    context.Response.Close();
                    continue;
                }
                context.Response.ContentType = "application/zip";
                context.Response.ContentLength64 = route!.DeclaredLength ?? route.Body.Length;
                if (route.StallAfterBytes is { } sent)
                {
                    if (sent > 0)
                    {
                        await context.Response.OutputStream.WriteAsync(route.Body.AsMemory(0, sent));
                        await context.Response.OutputStream.FlushAsync();
                    }
                    try { await Task.Delay(Timeout.Infinite, _stopping.Token); } catch (OperationCanceledException) { }
                    context.Response.Abort();
                    continue;
                }
                await context.Response.OutputStream.WriteAsync(route.Body);
                if (route.DeclaredLength is { } declared && declared > route.Body.Length)
                    context.Response.Abort(); // the connection drops mid-body
                else
                    context.Response.Close();
            }
            catch (Exception) when (!_listener.IsListening) { return; }
            catch (HttpListenerException) { }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stopping.Dispose();
    }
}
