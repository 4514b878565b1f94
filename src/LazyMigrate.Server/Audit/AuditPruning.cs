using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.AuditRetention"/> once a day, so the trail of a long
/// migration (a row per login) does not grow without bound. Every node runs it; the delete is idempotent.
/// </summary>
public sealed class AuditPruning(IServiceScopeFactory scopes, DatabaseReadiness readiness, IOptions<AuditOptions> options,
    TimeProvider time, ILogger<AuditPruning> logger) : PeriodicDatabaseWork(scopes, readiness, time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromDays(1);

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var threshold = Time.GetUtcNow() - options.Value.AuditRetention;
        var deleted = await services.GetRequiredService<LazyMigrateDbContext>().AuditEvents.Where(a => a.At < threshold).ExecuteDeleteAsync(cancellationToken);
        Logger.LogInformation("Pruned {Count} audit entries older than {Threshold:O}", deleted, threshold);
    }
}
