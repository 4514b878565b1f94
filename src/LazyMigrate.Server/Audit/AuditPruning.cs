using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.AuditRetention"/> once a day, so the trail of a long
/// migration (a row per login) does not grow without bound. Every node runs it; the delete is idempotent.
/// </summary>
public sealed class AuditPruning(IServiceScopeFactory scopes, DatabaseReadiness readiness, IOptions<AuditOptions> options,
    TimeProvider time, ILogger<AuditPruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                var threshold = time.GetUtcNow() - options.Value.AuditRetention;
                var deleted = await db.AuditEvents.Where(a => a.At < threshold).ExecuteDeleteAsync(stoppingToken);
                logger.LogInformation("Pruned {Count} audit entries older than {Threshold:O}", deleted, threshold);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Audit pruning failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
