using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Malaria.Inference.Tests;

/// <summary>Keeps every log line so tests can assert that failures were logged.</summary>
internal sealed class ListLogger : ILogger, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Error)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception), exception));

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose() { }
}
