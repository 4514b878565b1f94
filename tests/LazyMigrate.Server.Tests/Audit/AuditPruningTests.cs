using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Audit;

public class AuditPruningTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task AuditEntries_OlderThanTheRetention_ArePrunedByEveryNode()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = Guid.NewGuid().ToString("N");
        await fixture.WithDatabaseAsync(async db =>
        {
            db.AuditEvents.AddRange(
                new AuditEvent { At = DateTimeOffset.UtcNow.AddDays(-401), Type = AuditEventType.LoginFailed, Detail = marker + " old" },
                new AuditEvent { At = DateTimeOffset.UtcNow.AddDays(-399), Type = AuditEventType.LoginFailed, Detail = marker + " kept" });
            await db.SaveChangesAsync(ct);
        });

        // A node prunes when it starts, then daily.
        await using var node = fixture.CreateNode();
        _ = node.Server;
        var left = await Wait.ForAsync(
            () => node.WithDatabaseAsync(db => db.AuditEvents.Where(a => a.Detail!.StartsWith(marker)).Select(a => a.Detail).ToListAsync(ct)),
            rows => rows.Count == 1);

        Assert.Equal([marker + " kept"], left);
    }
}
