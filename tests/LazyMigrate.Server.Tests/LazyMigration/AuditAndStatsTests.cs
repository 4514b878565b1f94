using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

public class AuditAndStatsTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task Imports_AreAudited_AndCountedAgainstWhatTheLegacySystemHolds()
    {
        var first = await fixture.Legacy.AddUserAsync("first to move");
        var second = await fixture.Legacy.AddUserAsync("second to move");
        await fixture.Legacy.AddUserAsync("still in the legacy system");
        await fixture.LogInAsync(first.Email, first.Password);
        await fixture.LogInAsync(second.Email, second.Password);
        await fixture.LogInAsync(second.Email, second.Password);
        await fixture.LogInAsync(first.Email, "a wrong password");

        var ct = TestContext.Current.CancellationToken;
        await fixture.WithDatabaseAsync(async db =>
        {
            var migratedIds = await db.Users.Where(u => u.Identities.Any(i => i.LegacyId == first.Id) || u.Identities.Any(i => i.LegacyId == second.Id)).Select(u => u.Id).ToListAsync(ct);
            Assert.Equal(2, await db.AuditEvents.CountAsync(a => a.Type == AuditEventType.UserMigrated && migratedIds.Contains(a.UserId!.Value), ct));
            Assert.Equal(3, await db.AuditEvents.CountAsync(a => a.Type == AuditEventType.LoginSucceeded && migratedIds.Contains(a.UserId!.Value), ct));
            Assert.True(await db.AuditEvents.AnyAsync(a => a.Type == AuditEventType.LoginFailed && a.Reason == "InvalidCredentials", ct));
        });

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var scope = fixture.Services.CreateAsyncScope();
        var stats = await scope.ServiceProvider.GetRequiredService<MigrationStats>().GetAsync(today.AddDays(-1), today, ct);
        var legacy = Assert.Single(stats.Connections);
        var legacyRows = await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Identities.Any(i => i.Connection == "legacy"), ct));
        Assert.Equal(legacyRows, legacy.Migrated);
        Assert.Equal(legacy.LegacyTotal - legacyRows, legacy.Remaining);
        Assert.True(legacy.Remaining >= 1);
        Assert.Equal(legacyRows, stats.PerDay.Sum(d => d.Migrated));
        Assert.NotNull(stats.ProjectedFinish);
    }
}

public class FailureStatsTests(DeadLegacyServerFixture fixture) : IClassFixture<DeadLegacyServerFixture>
{
    [Fact]
    public async Task ALegacyOutage_IsAuditedWithItsReason_AndCountedAmongFailures()
    {
        using (var browser = fixture.CreateBrowser())
        {
            await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), $"someone-{Guid.NewGuid():N}@legacy.example", "Zebra-Outage-Secret-48");
        }

        var ct = TestContext.Current.CancellationToken;
        var failure = await fixture.WithDatabaseAsync(db => db.AuditEvents.FirstAsync(a => a.Type == AuditEventType.ScriptFailed, ct));
        Assert.Equal("legacy", failure.Connection);
        Assert.Equal("LegacyUnavailable", failure.Reason);
        Assert.DoesNotContain("Zebra-Outage-Secret-48", failure.Detail ?? "", StringComparison.Ordinal);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var scope = fixture.Services.CreateAsyncScope();
        var stats = await scope.ServiceProvider.GetRequiredService<MigrationStats>().GetAsync(today, today, ct);
        Assert.True(stats.FailuresByReason.GetValueOrDefault("LegacyUnavailable") >= 1);
        Assert.True(stats.PerDay.Single().Failures >= 1);
    }
}
