using System.Net.Http.Headers;
using System.Text.Json;

namespace LazyMigrate.Cli;

/// <summary>
/// A client of the management API with a client-credentials token: the same door any automation uses, nothing the
/// command line may do that a machine client with the same scopes may not. The secret travels only to the token
/// endpoint, in the Basic header, and is never printed.
/// </summary>
public sealed class ManagementClient : IDisposable
{
    private readonly HttpClient _http;

    private ManagementClient(HttpClient http) => _http = http;

    public HttpClient Http => _http;

    /// <summary>Gets a token for <paramref name="scope"/>; a refusal becomes a <see cref="CliException"/> with the server's reason.</summary>
    public static async Task<ManagementClient> ConnectAsync(Uri server, string clientId, string clientSecret, string scope, HttpMessageHandler? handler, CancellationToken cancellationToken)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = server;
        // An upload of a large file and a long export stream take as long as they take; each read is bounded by the server.
        http.Timeout = Timeout.InfiniteTimeSpan;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
            };
            // RFC 6749 §2.3.1: both parts form-encoded before they are joined.
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
                System.Text.Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret))));
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await ReadJsonAsync(response, cancellationToken);
            if (!response.IsSuccessStatusCode || !body.TryGetProperty("access_token", out var token) || token.GetString() is not { } accessToken)
            {
                var reason = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error_description", out var description) ? description.GetString()
                    : body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) ? error.GetString()
                    : $"HTTP {(int)response.StatusCode}";
                throw new CliException($"the server refused the client credentials for scope {scope}: {reason}");
            }

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            return new ManagementClient(http);
        }
        catch (HttpRequestException ex)
        {
            http.Dispose();
            throw new CliException($"cannot reach {server}: {ex.Message}");
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        return await EnsureAsync(response, cancellationToken);
    }

    /// <summary>The JSON body of a successful answer; otherwise a <see cref="CliException"/> with the problem's detail and field errors.</summary>
    public static async Task<JsonElement> EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync(response, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return body;
        }

        throw new CliException(Describe(response, body));
    }

    public static string Describe(HttpResponseMessage response, JsonElement problem)
    {
        if (problem.ValueKind != JsonValueKind.Object)
        {
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        var text = problem.TryGetProperty("detail", out var detail) && detail.GetString() is { } d ? d
            : problem.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "";
        if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            text += string.Concat(errors.EnumerateObject().Select(e => $"\n  {e.Name}: {string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString()))}"));
        }

        return $"HTTP {(int)response.StatusCode}: {text}";
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure the command reports in one line and exits 2 for (bad credentials, a refused request, a failed job).</summary>
public sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
