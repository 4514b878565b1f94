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

        // All at once: the bucket (20 a minute) must refuse the rest however long each try takes on a loaded
        // machine. One after another, a slow run lets the bucket refill while it lasts, and the count becomes a race.
        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ =>
            http.PostAsJsonAsync("/api/v1/connections/legacy/scripts/countUsers/try", new { }, TestContext.Current.CancellationToken)));

        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, r.StatusCode.ToString()));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) >= 20);
        Assert.NotEmpty(refused);
        foreach (var response in refused)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains("20 a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
