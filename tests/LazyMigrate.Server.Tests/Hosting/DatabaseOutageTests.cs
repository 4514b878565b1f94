using System.Net;
using System.Net.Http.Headers;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>Our own PostgreSQL gone: pages say "we can't sign you in right now", the API a 503 problem; never a 500.</summary>
public sealed class DatabaseOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DatabaseDroppedAfterStart_PagesAndApiAnswer503()
    {
        // A database of its own, dropped (with its connections) once the server runs: a deterministic outage.
        var database = await PostgresServer.CreateDatabaseAsync();
        await using var server = new LazyMigrateServer(database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer));
        var user = await server.Services.CreateUserAsync();
        using var browser = new Browser(server);
        var login = await browser.NavigateAsync("/Account/Login");
        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");

        await database.DisposeAsync();

        var page = await browser.LogInAsync(login, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Status);
        Assert.Contains("sign you in right now", page.Html, StringComparison.Ordinal);

        using var api = server.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var response = await api.GetAsync("/api/v1/users", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
