using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Login;

/// <summary>
/// Deletes the throttle's counters that no longer count: their window has run out and they block nothing. Every
/// failed sign-in from a new address or for a new identifier leaves one, so credential stuffing would otherwise grow
/// the table by a row per guess, for ever. Deleting such a counter changes nothing: the next failure under its key
/// would have started it over at one (<see cref="LoginThrottle"/>). Hourly on every node; the delete is idempotent,
/// and a failure counted at that moment wins (PostgreSQL re-checks the condition against the updated row).
/// </summary>
public sealed class LoginThrottlePruning(IServiceScopeFactory scopes, DatabaseReadiness readiness, TimeProvider time,
    ILogger<LoginThrottlePruning> logger) : PeriodicDatabaseWork(scopes, readiness, time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var windowStartedBefore = now - LoginThrottle.Window;
        var deleted = await services.GetRequiredService<LazyMigrateDbContext>().LoginThrottleCounters
            .Where(c => c.WindowStart < windowStartedBefore && (c.BlockedUntil == null || c.BlockedUntil <= now))
            .ExecuteDeleteAsync(cancellationToken);
        Logger.LogInformation("Pruned {Count} login throttle counters that had run out", deleted);
    }
}
