using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

public class ClientsApiTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AConfidentialClient_GetsItsSecretOnce_AndRotationReplacesIt()
    {
        using var http = await fixture.ApiAsync();
        var clientId = "svc-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await http.PostAsJsonAsync("/api/v1/clients", new { clientId, type = "confidential", scopes = new[] { "read:stats" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.JsonAsync()).GetProperty("clientSecret").GetString()!;
        Assert.True(secret.Length >= 40);

        var read = await http.GetFromJsonAsync<JsonElement>($"/api/v1/clients/{clientId}", Ct);
        Assert.DoesNotContain(secret, read.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(["read:stats"], read.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        using var anonymous = fixture.Anonymous();
        Assert.NotNull((await anonymous.ClientCredentialsAsync(clientId, secret, "read:stats")).AccessToken);

        using var rotated = await http.PostAsync($"/api/v1/clients/{clientId}/rotate-secret", null, Ct);
        var fresh = (await rotated.JsonAsync()).GetProperty("clientSecret").GetString()!;
        Assert.NotEqual(secret, fresh);
        Assert.Equal("invalid_client", (await anonymous.ClientCredentialsAsync(clientId, secret, "read:stats")).Error);
        Assert.NotNull((await anonymous.ClientCredentialsAsync(clientId, fresh, "read:stats")).AccessToken);

        using var deleted = await http.DeleteAsync($"/api/v1/clients/{clientId}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("invalid_client", (await anonymous.ClientCredentialsAsync(clientId, fresh, "read:stats")).Error);
        using var gone = await http.GetAsync($"/api/v1/clients/{clientId}", Ct);
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task APublicClient_SignsUsersIn_WithTheRedirectUriItWasGiven()
    {
        using var http = await fixture.ApiAsync();
        var clientId = "spa-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await http.PostAsJsonAsync("/api/v1/clients", new
        {
            clientId,
            type = "public",
            displayName = "Single-page app",
            redirectUris = new[] { "https://spa.example/first" },
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await created.JsonAsync()).GetProperty("clientSecret").ValueKind);

        using var updated = await http.PutJsonAsync($"/api/v1/clients/{clientId}", new { redirectUris = new[] { "https://spa.example/callback" } }, null);
        Assert.Equal(["https://spa.example/callback"], (await updated.JsonAsync()).GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()));

        var client = new TestClient(clientId, RedirectUri: new Uri("https://spa.example/callback"));
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var result = await browser.SignInAsync(client, user, "openid profile");
        Assert.NotNull(result.Tokens.IdToken);

        // The old redirect URI is refused: matching is exact.
        var old = await browser.AuthorizeAsync(new AuthorizationRequest(client) { RedirectUri = new Uri("https://spa.example/first") }, user);
        Assert.Null(old.ExternalRedirect);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, old.Status);
        Assert.Contains("redirect_uri", old.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_ConfiguredClients_AndUnknownScopes()
    {
        using var http = await fixture.ApiAsync();
        using var bad = await http.PostAsJsonAsync("/api/v1/clients", new
        {
            clientId = "bad client",
            type = "public",
            redirectUris = new[] { "http://evil.example/cb", "https://ok.example/#frag" },
            scopes = new[] { "admin:everything" },
        }, Ct);
        var errors = (await bad.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("clientId", out _));
        Assert.True(errors.TryGetProperty("redirectUris", out _));
        Assert.True(errors.TryGetProperty("scopes", out _));

        using var configured = await http.PutJsonAsync("/api/v1/clients/machine", new { displayName = "hijacked" }, null);
        Assert.Contains("configuration", (await configured.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var rotateConfigured = await http.PostAsync("/api/v1/clients/machine/rotate-secret", null, Ct);
        await rotateConfigured.ProblemAsync(HttpStatusCode.Conflict);

        using var duplicate = await http.PostAsJsonAsync("/api/v1/clients", new { clientId = "web-app", type = "public", redirectUris = new[] { "https://x.example/cb" } }, Ct);
        await duplicate.ProblemAsync(HttpStatusCode.Conflict);

        var list = await http.GetFromJsonAsync<JsonElement>("/api/v1/clients", Ct);
        var machine = list.EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == "machine");
        Assert.True(machine.GetProperty("managedByConfiguration").GetBoolean());
        Assert.Equal("confidential", machine.GetProperty("type").GetString());
    }
}
