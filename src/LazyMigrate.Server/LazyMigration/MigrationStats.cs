using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace LazyMigrate.Server.LazyMigration;

public sealed record ConnectionProgress(string Connection, int Migrated, long? LegacyTotal, long? Remaining);

public sealed record DayCount(DateOnly Day, int Migrated, int Failures);

public sealed record MigrationSnapshot(
    int MigratedTotal,
    IReadOnlyList<ConnectionProgress> Connections,
    IReadOnlyList<DayCount> PerDay,
    IReadOnlyDictionary<string, int> FailuresByReason,
    long? Remaining,
    DateOnly? ProjectedFinish);

/// <summary>
/// How far the migration has come, from the users table (migrated users), the audit trail (failures) and each
/// connection's countUsers script (how many the legacy system holds).
/// </summary>
public sealed class MigrationStats(LazyMigrateDbContext db, LegacyConnectionCatalog connections, ILegacyUserScripts scripts, IMemoryCache cache, TimeProvider time)
{
    /// <summary>
    /// How long a legacy count is reused. countUsers may scan a table of millions in the legacy system; the dashboard and
    /// the stats API must not run it on every load, and the remaining figure moves slowly anyway.
    /// </summary>
    private static readonly TimeSpan CountFor = TimeSpan.FromMinutes(1);

    /// <summary>The recent rate a projected finish date is drawn from.</summary>
    private const int RateDays = 7;

    public async Task<MigrationSnapshot> GetAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        var perConnection = await db.Users.Where(u => u.MigratedAt != null)
            .GroupBy(u => u.SourceConnection!)
            .Select(g => new { Connection = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Connection, x => x.Count, cancellationToken);
        var tombstones = await db.Tombstones.GroupBy(t => t.Connection)
            .Select(g => new { Connection = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Connection, x => x.Count, cancellationToken);

        var migratedTimes = await db.Users.Where(u => u.MigratedAt >= start && u.MigratedAt < end)
            .Select(u => u.MigratedAt!.Value).ToListAsync(cancellationToken);
        var failures = await db.AuditEvents.Where(a => a.Type == AuditEventType.ScriptFailed && a.At >= start && a.At < end)
            .Select(a => new { a.At, a.Reason }).ToListAsync(cancellationToken);

        var perDay = new List<DayCount>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            perDay.Add(new DayCount(day,
                migratedTimes.Count(t => DateOnly.FromDateTime(t.UtcDateTime) == day),
                failures.Count(f => DateOnly.FromDateTime(f.At.UtcDateTime) == day)));
        }

        var progress = new List<ConnectionProgress>();
        var context = new ScriptContext();
        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            var migrated = perConnection.GetValueOrDefault(connection.Name);
            var total = await LegacyTotalAsync(connection, context, cancellationToken);

            // Deleted users are accounted for: they will not come over.
            var remaining = total is { } t ? Math.Max(0, t - migrated - tombstones.GetValueOrDefault(connection.Name)) : (long?)null;
            progress.Add(new ConnectionProgress(connection.Name, migrated, total, remaining));
        }

        var remainingTotal = progress.Count > 0 && progress.All(p => p.Remaining is not null) ? progress.Sum(p => p.Remaining!.Value) : (long?)null;
        var now = time.GetUtcNow();
        var recent = await db.Users.CountAsync(u => u.MigratedAt >= now.AddDays(-RateDays), cancellationToken);
        DateOnly? finish = remainingTotal is { } left && recent > 0
            ? DateOnly.FromDateTime(now.UtcDateTime).AddDays((int)Math.Ceiling(left / (recent / (double)RateDays)))
            : null;

        return new MigrationSnapshot(
            perConnection.Values.Sum(),
            progress,
            perDay,
            failures.GroupBy(f => f.Reason ?? "Unknown").ToDictionary(g => g.Key, g => g.Count()),
            remainingTotal,
            finish);
    }

    private async Task<long?> LegacyTotalAsync(LegacyConnection connection, ScriptContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(connection.CountUsersScript))
        {
            return null;
        }

        // Keyed by the script too, so a new countUsers version counts afresh.
        var key = (nameof(LegacyTotalAsync), connection.Name, connection.CountUsersScript);
        if (cache.TryGetValue(key, out long cached))
        {
            return cached;
        }

        if ((await scripts.CountUsersAsync(connection, context, cancellationToken)).Outcome is not ScriptOutcome.Counted counted)
        {
            // A failed count is not remembered: the next load asks again.
            return null;
        }

        cache.Set(key, counted.Users, CountFor);
        return counted.Users;
    }
}
