using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

public class TryRateLimitTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task Try_IsLimitedPerClient_SoALeakedTokenIsNoPasswordOracle()
    {
        using var http = await fixture.ApiAsync("update:connections");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/connections/legacy/scripts/countUsers/try", new { }, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var problem = await response.ProblemAsync(HttpStatusCode.TooManyRequests);
                Assert.Contains("20 a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 20), statuses.Take(20));
        Assert.All(statuses.Skip(20), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }
}
