using LazyMigrate.Server.Login;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Login;

public class LoginThrottlePruningTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task CountersThatRanOut_ArePrunedByEveryNode_ButABlockStillRunningAndAFreshWindowStay()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = $"ip:pruning-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        await fixture.WithDatabaseAsync(async db =>
        {
            db.LoginThrottleCounters.AddRange(
                new LoginThrottleCounter { Key = marker + "|spent", Failures = 3, WindowStart = now.AddHours(-2) },
                new LoginThrottleCounter { Key = marker + "|block over", Failures = 60, WindowStart = now.AddHours(-2), BlockedUntil = now.AddHours(-1) },
                new LoginThrottleCounter { Key = marker + "|still blocked", Failures = 60, WindowStart = now.AddHours(-2), BlockedUntil = now.AddHours(1) },
                new LoginThrottleCounter { Key = marker + "|fresh", Failures = 2, WindowStart = now.AddMinutes(-1) });
            await db.SaveChangesAsync(ct);
        });

        // A node prunes when it starts, then hourly.
        await using var node = fixture.CreateNode();
        _ = node.Server;
        var left = await Wait.ForAsync(
            () => node.WithDatabaseAsync(db => db.LoginThrottleCounters.Where(c => c.Key.StartsWith(marker)).Select(c => c.Key).OrderBy(k => k).ToListAsync(ct)),
            keys => keys.Count == 2);

        Assert.Equal([marker + "|fresh", marker + "|still blocked"], left);
    }
}
