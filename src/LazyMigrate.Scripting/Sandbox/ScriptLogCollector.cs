using System.Text.Json;
using Jint;
using Jint.Native;
using LazyMigrate.Scripting.Host;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>
/// What one call's script wrote with <c>log.*</c> / <c>console.*</c>, kept for the admin (the Try result shows it).
/// The password and every secret setting are redacted before an entry is stored, so nothing downstream can leak them.
/// </summary>
internal sealed class ScriptLogCollector
{
    private const int MaxEntries = 200;
    private const int MaxMessageLength = 4096;
    private const string Redacted = "[redacted]";

    private readonly List<ScriptLogEntry> _entries = [];
    private readonly string[] _secrets;
    private readonly (string Text, StringComparison Comparison)[] _encoded;
    private readonly TimeProvider _time;
    private readonly long _started;
    private bool _truncated;

    public ScriptLogCollector(IEnumerable<string?> secrets, TimeProvider time)
    {
        // Longest first, so a secret that contains another is replaced whole.
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct().OrderByDescending(s => s.Length).ToArray();
        _encoded = _secrets.Where(s => s.Length >= 3).SelectMany(Encodings).Where(e => e.Text.Length >= 4)
            .DistinctBy(e => e.Text).OrderByDescending(e => e.Text.Length).ToArray();
        _time = time;
        _started = time.GetTimestamp();
    }

    public IReadOnlyList<ScriptLogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return _entries.ToArray();
            }
        }
    }

    public void Add(ScriptLogLevel level, JsValue[] arguments) =>
        Add(level, string.Join(' ', arguments.Select(Format)));

    public void Add(ScriptLogLevel level, string message)
    {
        message = Redact(message);
        if (message.Length > MaxMessageLength)
        {
            message = message[..MaxMessageLength] + "…";
        }

        lock (_entries)
        {
            if (_entries.Count < MaxEntries)
            {
                _entries.Add(new ScriptLogEntry(level, message, _time.GetElapsedTime(_started)));
            }
            else if (!_truncated)
            {
                _truncated = true;
                _entries.Add(new ScriptLogEntry(ScriptLogLevel.Warn, $"more than {MaxEntries} log entries; the rest were dropped", _time.GetElapsedTime(_started)));
            }
        }
    }

    /// <summary>
    /// Replaces every secret in <paramref name="text"/>. Secrets of one or two characters are only redacted when they
    /// are the whole text: replacing every "a" would make logs unreadable while protecting nothing.
    /// </summary>
    public string Redact(string text)
    {
        // Encoded forms first: a buggy script may log a Basic header, a hex dump or a query string.
        foreach (var (encoded, comparison) in _encoded)
        {
            text = text.Replace(encoded, Redacted, comparison);
        }

        foreach (var secret in _secrets)
        {
            if (secret.Length >= 3)
            {
                text = text.Replace(secret, Redacted, StringComparison.Ordinal);
            }
            else if (text == secret)
            {
                return Redacted;
            }
        }

        return text;
    }

    /// <summary>
    /// The obvious ways a script may encode a secret before logging it: base64 (standard and URL-safe, also when
    /// the secret sits inside a longer encoded text such as <c>user:password</c>, at each of the three alignments),
    /// hex and URL-encoding in either case, and JSON string escaping.
    /// </summary>
    private static IEnumerable<(string Text, StringComparison Comparison)> Encodings(string secret)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(secret);
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + bytes.Length];
            bytes.CopyTo(padded, offset);
            var base64 = Convert.ToBase64String(padded);
            // Only the characters that depend on the secret's bytes alone, whatever comes before or after it.
            var first = (offset * 8 + 5) / 6;
            var last = padded.Length * 8 / 6;
            if (last > first)
            {
                var core = base64[first..last];
                yield return (core, StringComparison.Ordinal);
                yield return (core.Replace('+', '-').Replace('/', '_'), StringComparison.Ordinal);
            }
        }

        yield return (Convert.ToBase64String(bytes), StringComparison.Ordinal);
        yield return (Convert.ToHexString(bytes), StringComparison.OrdinalIgnoreCase);
        yield return (Uri.EscapeDataString(secret), StringComparison.OrdinalIgnoreCase);
        yield return (System.Net.WebUtility.UrlEncode(secret), StringComparison.OrdinalIgnoreCase);
        yield return (JsonSerializer.Serialize(secret)[1..^1], StringComparison.Ordinal);
    }

    private string Format(JsValue value)
    {
        if (value.IsString())
        {
            return Redact(value.AsString());
        }

        if (value.IsUndefined())
        {
            return "undefined";
        }

        if (value.IsCallable())
        {
            return "[function]";
        }

        try
        {
            return Redact(JsonSerializer.Serialize(ScriptValues.ToPlain(value, maxDepth: 8)));
        }
        catch (ScriptHostException)
        {
            return Redact(value.ToString());
        }
    }
}
