using System.Net;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>Forwarded headers believed from configured proxies only; HSTS and Secure cookies on https; no-store on tokens and users.</summary>
public sealed class ProxyTests
{
    private const string Proxy = "10.0.0.7";
    private const string Client = "203.0.113.9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FromAKnownProxy_TheForwardedClientAddressIsAudited_AndHttpsGetsHstsAndSecureCookies()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(new Uri("https://idp.example/"));
        settings["LazyMigrate:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/24";
        await using var server = new LazyMigrateServer(database.ConnectionString, settings) { ConfigureTestServices = ClientAddresses.Register };
        using var http = ClientOf(server);

        using var response = await SendAsync(http, "/Account/Login", ("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https"));
        // Over plain http: the test's cookie jar would not send the Secure cookies an https request gets back.
        using var failed = await FailLoginAsync(server, ("X-Forwarded-For", $"198.51.100.1, {Client}"));

        Assert.Equal(Client, await LastLoginFailureIpAsync(server));
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
        Assert.All(response.Headers.GetValues("Set-Cookie"), cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WithoutConfiguration_NoForwardedHeaderIsBelieved()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var server = new LazyMigrateServer(database.ConnectionString, TestClients.Settings(new Uri("https://idp.example/")))
        {
            ConfigureTestServices = ClientAddresses.Register,
        };
        using var http = ClientOf(server);

        using var response = await SendAsync(http, "/Account/Login", ("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https"));
        using var failed = await FailLoginAsync(server, ("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https"));

        Assert.Equal(Proxy, await LastLoginFailureIpAsync(server));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.All(response.Headers.GetValues("Set-Cookie"), cookie => Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task UserInfoAndApiAnswers_AreNotStored()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var server = new LazyMigrateServer(database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer));
        using var http = server.CreateClient();

        using var api = await http.GetAsync("/api/v1/users", Ct);
        using var userinfo = await http.GetAsync("/connect/userinfo", Ct);

        Assert.Contains("no-store", api.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("no-store", userinfo.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    private static HttpClient ClientOf(LazyMigrateServer server) =>
        server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://idp.example/") });

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Test-Client-Address", Proxy);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await http.SendAsync(request, Ct);
    }

    /// <summary>A failed sign-in through the login form, as the proxy forwards it.</summary>
    private static async Task<IDisposable> FailLoginAsync(LazyMigrateServer server, params (string Name, string Value)[] headers)
    {
        var browser = new Browser(server).From(Proxy);
        foreach (var (name, value) in headers)
        {
            browser.Http.DefaultRequestHeaders.Add(name, value);
        }

        var login = await browser.NavigateAsync("/Account/Login");
        await browser.LogInAsync(login, $"nobody-{Guid.NewGuid():N}@tests.example", "not a password");
        return browser;
    }

    private static Task<string?> LastLoginFailureIpAsync(LazyMigrateServer server) => server.WithDatabaseAsync(db =>
        db.AuditEvents.Where(e => e.Type == AuditEventType.LoginFailed).OrderByDescending(e => e.Id).Select(e => e.Ip).FirstAsync(Ct));
}
