using System.Collections.Concurrent;
using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// Every log event the server writes, as JSON with all its properties and exception text, so tests can assert that
/// no password or secret reaches the logs in any form. The server adds DI-registered sinks to its Serilog pipeline.
/// </summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<string> _events = new();
    private readonly JsonFormatter _formatter = new(renderMessage: true, formatProvider: CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        _formatter.Format(logEvent, writer);
        _events.Enqueue(writer.ToString());
    }

    public string Text => string.Join('\n', _events);

    public int Count => _events.Count;

    /// <summary>How many events so far contain <paramref name="text"/>: a test waits for it to grow.</summary>
    public int Occurrences(string text) => _events.Count(e => e.Contains(text, StringComparison.Ordinal));
}
