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
    ILogger<LoginThrottlePruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                var now = time.GetUtcNow();
                var windowStartedBefore = now - LoginThrottle.Window;
                var deleted = await db.LoginThrottleCounters
                    .Where(c => c.WindowStart < windowStartedBefore && (c.BlockedUntil == null || c.BlockedUntil <= now))
                    .ExecuteDeleteAsync(stoppingToken);
                logger.LogInformation("Pruned {Count} login throttle counters that had run out", deleted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Login throttle pruning failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
