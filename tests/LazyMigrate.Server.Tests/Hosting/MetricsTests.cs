using System.Net;
using System.Net.Http.Headers;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>/metrics is open only where configured so; otherwise it needs the scrape key.</summary>
public sealed class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NotAnonymous_MetricsNeedTheScrapeKey()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        settings["LazyMigrate:Metrics:Anonymous"] = "false";
        settings["LazyMigrate:Metrics:Key"] = "scrape-key-for-tests";
        await using var server = new LazyMigrateServer(database.ConnectionString, settings);
        using var http = server.CreateClient();

        using var anonymous = await http.GetAsync("/metrics", Ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "guess") } };
        using var wrongAnswer = await http.SendAsync(wrong, Ct);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "scrape-key-for-tests") } };
        using var rightAnswer = await http.SendAsync(right, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightAnswer.StatusCode);
    }

    [Fact]
    public async Task InProductionWithoutSettings_MetricsAreClosed()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var server = new LazyMigrateServer(database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer)) { Environment = "Production" };
        using var http = server.CreateClient();

        using var response = await http.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
