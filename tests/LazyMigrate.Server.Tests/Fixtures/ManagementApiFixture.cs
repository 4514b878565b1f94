using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>A server with the <c>legacy</c> connection, and HTTP clients carrying real client-credentials access tokens.</summary>
public class ManagementApiFixture : LegacyServerFixture
{
    /// <summary>A client whose token holds every management scope (or only <paramref name="scope"/>).</summary>
    public async Task<HttpClient> ApiAsync(string? scope = null)
    {
        var machine = TestClients.Machine;
        return await WithTokenAsync(machine.ClientId, machine.Secret!, scope ?? string.Join(' ', machine.Scopes!));
    }

    /// <summary>A client whose token holds only read:users.</summary>
    public Task<HttpClient> ReaderAsync() => WithTokenAsync(TestClients.Reader.ClientId, TestClients.Reader.Secret!, "read:users");

    public HttpClient Anonymous() => Server.CreateClient();

    private async Task<HttpClient> WithTokenAsync(string clientId, string secret, string scope)
    {
        var http = Server.CreateClient();
        var token = await http.ClientCredentialsAsync(clientId, secret, scope);
        Assert.NotNull(token.AccessToken);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return http;
    }
}

/// <summary>Reading API answers: bodies as JSON, problem details by their fields.</summary>
public static class ApiResponses
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the status and that the body is an RFC 7807 problem; returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _));
        return problem;
    }

    public static Task<HttpResponseMessage> PatchJsonAsync<T>(this HttpClient http, string url, T body, string? ifMatch = null) =>
        http.SendJsonAsync(HttpMethod.Patch, url, body, ifMatch);

    public static Task<HttpResponseMessage> PutJsonAsync<T>(this HttpClient http, string url, T body, string? ifMatch) =>
        http.SendJsonAsync(HttpMethod.Put, url, body, ifMatch);

    public static async Task<HttpResponseMessage> SendJsonAsync<T>(this HttpClient http, HttpMethod method, string url, T body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> SendRawAsync(this HttpClient http, HttpMethod method, string url, string json)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        return await http.SendAsync(request);
    }
}
