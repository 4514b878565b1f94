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

    [Fact]
    public async Task ApiScopes_SetThroughTheApi_MakeTheClientTheAudience_AndAreAudited()
    {
        using var http = await fixture.ApiAsync();
        using var anonymous = fixture.Anonymous();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var apiId = "orders-api-" + suffix;
        var scope = $"orders-{suffix}:read";

        using var createdApi = await http.PostAsJsonAsync("/api/v1/clients", new { clientId = apiId, type = "confidential", apiScopes = new[] { scope } }, Ct);
        Assert.Equal(HttpStatusCode.Created, createdApi.StatusCode);
        var api = await createdApi.JsonAsync();
        Assert.Equal([scope], api.GetProperty("client").GetProperty("apiScopes").EnumerateArray().Select(s => s.GetString()));
        var apiSecret = api.GetProperty("clientSecret").GetString()!;

        // Another application may now be given the scope, and its tokens name the API as their audience.
        var callerId = "shop-" + suffix;
        using var createdCaller = await http.PostAsJsonAsync("/api/v1/clients", new { clientId = callerId, type = "confidential", scopes = new[] { scope } }, Ct);
        Assert.Equal(HttpStatusCode.Created, createdCaller.StatusCode);
        var callerSecret = (await createdCaller.JsonAsync()).GetProperty("clientSecret").GetString()!;
        var token = (await anonymous.ClientCredentialsAsync(callerId, callerSecret, scope)).AccessToken!;

        var introspected = await anonymous.IntrospectAsync(new TestClient(apiId, Secret: apiSecret), token);
        Assert.True(introspected.Json.GetProperty("active").GetBoolean());
        Assert.Contains(apiId, Audiences(introspected.Json));
        Assert.False((await anonymous.IntrospectAsync(TestClients.Machine, token)).Json.GetProperty("active").GetBoolean());

        var audit = await http.GetFromJsonAsync<JsonElement>("/api/v1/audit?type=ClientChanged&limit=200", Ct);
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("reason").GetString() == "ApiScopesChanged" && e.GetProperty("detail").GetString() == $"{apiId}: {scope}");

        // Taken away: new tokens for the scope no longer name the API, which may no longer introspect them.
        using var cleared = await http.PutJsonAsync($"/api/v1/clients/{apiId}", new { apiScopes = Array.Empty<string>() }, null);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Empty((await cleared.JsonAsync()).GetProperty("apiScopes").EnumerateArray());
        var later = (await anonymous.ClientCredentialsAsync(callerId, callerSecret, scope)).AccessToken!;
        Assert.False((await anonymous.IntrospectAsync(new TestClient(apiId, Secret: apiSecret), later)).Json.GetProperty("active").GetBoolean());
        audit = await http.GetFromJsonAsync<JsonElement>("/api/v1/audit?type=ClientChanged&limit=200", Ct);
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("reason").GetString() == "ApiScopesChanged" && e.GetProperty("detail").GetString() == $"{apiId}: (none)");
    }

    [Fact]
    public async Task RequireMfa_SetThroughTheApi_IsReadBack_AndTheNextAuthorizationOnAnotherNodeAsksForTheSecondFactor()
    {
        using var http = await fixture.ApiAsync();
        var clientId = "mfa-" + Guid.NewGuid().ToString("N")[..8];
        var client = new TestClient(clientId, RedirectUri: new Uri("https://mfa.example/callback"));
        using var created = await http.PostAsJsonAsync("/api/v1/clients", new { clientId, type = "public", redirectUris = new[] { client.RedirectUri!.AbsoluteUri } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False((await created.JsonAsync()).GetProperty("client").GetProperty("requireMfa").GetBoolean());

        // A second node of the same deployment has served this client already, with a password-only session.
        await using var other = fixture.CreateNode();
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = new Browser(other);
        Assert.NotNull((await browser.SignInAsync(client, user)).Tokens.IdToken);

        using var on = await http.PutJsonAsync($"/api/v1/clients/{clientId}", new { requireMfa = true }, null);
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.True((await on.JsonAsync()).GetProperty("requireMfa").GetBoolean());
        // PUT changes only the fields it names: another change leaves the setting on.
        using var renamed = await http.PutJsonAsync($"/api/v1/clients/{clientId}", new { displayName = "Needs a second factor" }, null);
        Assert.True((await renamed.JsonAsync()).GetProperty("requireMfa").GetBoolean());
        Assert.True((await http.GetFromJsonAsync<JsonElement>($"/api/v1/clients/{clientId}", Ct)).GetProperty("requireMfa").GetBoolean());

        // The other node's very next authorization for the client sends the user (no factor yet) to enrolment.
        var page = await browser.NavigateAsync(new AuthorizationRequest(client).ToUrl());
        Assert.Null(page.ExternalRedirect);
        Assert.Equal("/Account/Security", page.Url.AbsolutePath);

        // A user with an authenticator who signs in afresh on that node gets the code step.
        var enrolled = await fixture.Server.Services.CreateUserAsync();
        await AuthenticatorApp.EnrolAsync(fixture.Server.Services, enrolled);
        using var second = new Browser(other);
        page = await second.AuthorizeAsync(new AuthorizationRequest(client), enrolled);
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);

        // Off again: the first browser's password-only session is enough once more.
        using var off = await http.PutJsonAsync($"/api/v1/clients/{clientId}", new { requireMfa = false }, null);
        Assert.False((await off.JsonAsync()).GetProperty("requireMfa").GetBoolean());
        page = await browser.NavigateAsync(new AuthorizationRequest(client).ToUrl());
        Assert.NotNull(new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"Stopped at {page.Url}")).Code);

        // Both changes are in the trail with who made them.
        var audit = await http.GetFromJsonAsync<JsonElement>("/api/v1/audit?type=ClientChanged&limit=200", Ct);
        var changes = audit.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("reason").GetString() == "RequireMfaChanged" && e.GetProperty("detail").GetString()!.StartsWith(clientId + ":", StringComparison.Ordinal))
            .Select(e => e.GetProperty("detail").GetString()).ToList();
        Assert.Equal([$"{clientId}: off", $"{clientId}: on"], changes);
    }

    [Fact]
    public async Task RequireMfa_InTheOpenApiDocument_IsDescribedOnTheClientAndItsChange()
    {
        using var anonymous = fixture.Anonymous();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var schema in new[] { "ClientView", "ClientChange" })
        {
            var property = schemas.GetProperty(schema).GetProperty("properties").GetProperty("requireMfa");
            Assert.Contains("second factor", property.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        var update = document.GetProperty("paths").GetProperty("/api/v1/clients/{clientId}").GetProperty("put");
        Assert.Contains("requireMfa", update.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiScopes_AreValidated_NamingTheField()
    {
        using var http = await fixture.ApiAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];

        async Task<string> RefusedAsync(object body)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/clients", body, Ct);
            var errors = (await response.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
            return Assert.Single(errors.GetProperty("apiScopes").EnumerateArray()).GetString()!;
        }

        Assert.Contains("confidential", await RefusedAsync(new
        {
            clientId = "spa-" + suffix, type = "public", redirectUris = new[] { "https://spa.example/cb" }, apiScopes = new[] { "spa:read" },
        }), StringComparison.Ordinal);
        Assert.Contains("scope of this server", await RefusedAsync(new { clientId = "a-" + suffix, type = "confidential", apiScopes = new[] { "read:users" } }), StringComparison.Ordinal);
        Assert.Contains("scope of this server", await RefusedAsync(new { clientId = "b-" + suffix, type = "confidential", apiScopes = new[] { "email" } }), StringComparison.Ordinal);
        Assert.Contains("not a scope name", await RefusedAsync(new { clientId = "c-" + suffix, type = "confidential", apiScopes = new[] { "two words" } }), StringComparison.Ordinal);
        Assert.Contains("not a scope name", await RefusedAsync(new { clientId = "d-" + suffix, type = "confidential", apiScopes = new[] { "say\"hi" } }), StringComparison.Ordinal);

        // One API per scope: another client may not become the audience of this one's tokens.
        var scope = $"billing-{suffix}:read";
        using var first = await http.PostAsJsonAsync("/api/v1/clients", new { clientId = "billing-" + suffix, type = "confidential", apiScopes = new[] { scope } }, Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Contains("another API", await RefusedAsync(new { clientId = "e-" + suffix, type = "confidential", apiScopes = new[] { scope } }), StringComparison.Ordinal);

        // Nothing refused was created.
        using var absent = await http.GetAsync($"/api/v1/clients/a-{suffix}", Ct);
        await absent.ProblemAsync(HttpStatusCode.NotFound);
    }

    private static List<string?> Audiences(JsonElement introspection) =>
        introspection.GetProperty("aud") is { ValueKind: JsonValueKind.Array } array ? [.. array.EnumerateArray().Select(a => a.GetString())] : [introspection.GetProperty("aud").GetString()];
}
