using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Server.Oidc;
using Microsoft.Extensions.Configuration;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>https, http on loopback only, and native apps' private-use schemes (RFC 8252); nothing a browser runs itself.</summary>
public sealed class RedirectUriTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://app.example/callback")]
    [InlineData("myapp:/callback")]
    [InlineData("https://app.example/callback#fragment")]
    public async Task Api_RefusesARedirectUri(string uri)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.PostAsJsonAsync("/api/v1/clients",
            new { clientId = $"c-{Guid.NewGuid():N}", type = "public", redirectUris = new[] { uri } }, Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("redirectUris", out _));
    }

    [Theory]
    [InlineData("https://app.example/callback")]
    [InlineData("http://127.0.0.1:8400/callback")]
    [InlineData("http://localhost:8400/callback")]
    [InlineData("http://[::1]:8400/callback")]
    [InlineData("com.example.app:/oauth2redirect")]
    public async Task Api_AcceptsARedirectUri(string uri)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.PostAsJsonAsync("/api/v1/clients",
            new { clientId = $"c-{Guid.NewGuid():N}", type = "public", redirectUris = new[] { uri }, postLogoutRedirectUris = new[] { uri } }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("LazyMigrate:Clients:0:RedirectUris:0", "javascript:alert(1)")]
    [InlineData("LazyMigrate:Clients:0:PostLogoutRedirectUris:0", "data:text/html,x")]
    [InlineData("LazyMigrate:Clients:0:RedirectUris:0", "file:///etc/passwd")]
    public void Configuration_WithARefusedUri_FailsValidationNamingIt(string key, string uri)
    {
        // The same binding and validator start-up runs (ValidateOnStart), without a process to start.
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        settings[key] = uri;
        var options = new OidcOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(OidcOptions.Section).Bind(options);

        var result = new OidcOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(uri, result.FailureMessage, StringComparison.Ordinal);
    }
}
