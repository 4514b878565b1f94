using System.Text;
using System.Text.Json;
using LazyMigrate.Scripting.Host;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>A request a script made with <c>http.request</c>, as plain data.</summary>
internal sealed record LegacyHttpRequest(string Url, string Method, IReadOnlyDictionary<string, string> Headers, string? Body, string? ContentType);

/// <summary>
/// <c>http.request</c> for legacy web services: only hosts on the connection's allow-list, no redirects (a redirect
/// could lead off the list), the call's deadline on every await, and a cap on the response size.
/// </summary>
internal sealed class LegacyHttpClient(HttpClient client)
{
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>A client that never follows redirects; used when the host application supplies none.</summary>
    public static HttpClient CreateDefaultClient() =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public async Task<Dictionary<string, object?>> SendAsync(LegacyConnection connection, LegacyHttpRequest request, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ScriptHostException("url must be an absolute http or https URL");
        }

        // Checked by name before anything is resolved or connected: the allow-list is the only way out. The same
        // refusal for every port of a host, so it cannot be used to scan them.
        var standardPort = uri.Scheme == Uri.UriSchemeHttps ? 443 : 80;
        if (!connection.HttpAllowList.Any() || !LegacyHostPolicy.IsAllowed(connection with { DatabaseConnectionString = null }, uri.Host, uri.Port, standardPort))
        {
            throw new ScriptHostException($"host '{uri.Host}' is not on this connection's HTTP allow-list for that port");
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method.ToUpperInvariant()), uri);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8, request.ContentType ?? "text/plain");
        }

        foreach (var (name, value) in request.Headers)
        {
            if (string.Equals(name, "content-type", StringComparison.OrdinalIgnoreCase) && message.Content is not null)
            {
                message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(value);
            }
            else if (!message.Headers.TryAddWithoutValidation(name, value) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await ReadCappedAsync(response.Content, cancellationToken);
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = (int)response.StatusCode,
            ["headers"] = headers,
            ["body"] = body,
        };
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                result["json"] = FromJson(document.RootElement, 0);
            }
            catch (JsonException)
            {
                result["json"] = null;
            }
        }

        return result;
    }

    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxResponseBytes)
        {
            throw new ScriptHostException($"the response is larger than {MaxResponseBytes} bytes");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw new ScriptHostException($"the response is larger than {MaxResponseBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    internal static object? FromJson(JsonElement element, int depth)
    {
        if (depth > 64)
        {
            throw new ScriptHostException("JSON is nested too deeply");
        }

        return element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => FromJson(g.Last().Value, depth + 1), StringComparer.Ordinal),
            JsonValueKind.Array => element.EnumerateArray().Select(e => FromJson(e, depth + 1)).ToList(),
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }
}
