using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.LazyMigration;

/// <param name="Migrated">Users imported from this connection (lazily or in bulk).</param>
/// <param name="Linked">This connection's accounts linked to users imported from another one (accounted for too).</param>
/// <param name="Kinds">How this connection's users came over, and what their passwords wait for.</param>
public sealed record ConnectionProgress(string Connection, int Migrated, long? LegacyTotal, long? Remaining, int Linked = 0,
    MigrationKinds? Kinds = null);

/// <summary>
/// The users brought over, split by how they came and what is left to do for them.
/// </summary>
/// <param name="LazilyMigrated">Came over at their own sign-in (their password is native from the start).</param>
/// <param name="BulkImported">Came over in a bulk import job, whatever happened to them since.</param>
/// <param name="AwaitingFirstSignIn">Bulk-imported users still holding their legacy hash: it is verified and replaced at their first sign-in.</param>
/// <param name="ResetRequired">Bulk-imported users with no usable hash who have not chosen a password yet (a reset sets one).</param>
public sealed record MigrationKinds(int LazilyMigrated, int BulkImported, int AwaitingFirstSignIn, int ResetRequired)
{
    public static readonly MigrationKinds Zero = new(0, 0, 0, 0);

    public MigrationKinds Plus(MigrationKinds other) => new(LazilyMigrated + other.LazilyMigrated, BulkImported + other.BulkImported,
        AwaitingFirstSignIn + other.AwaitingFirstSignIn, ResetRequired + other.ResetRequired);
}

public sealed record DayCount(DateOnly Day, int Migrated, int Failures);

public sealed record MigrationSnapshot(
    int MigratedTotal,
    MigrationKinds Kinds,
    IReadOnlyList<ConnectionProgress> Connections,
    IReadOnlyList<DayCount> PerDay,
    IReadOnlyDictionary<string, int> FailuresByReason,
    long? Remaining,
    DateOnly? ProjectedFinish);

/// <summary>
/// How far the migration has come, from the users' legacy identities (imported and linked), the audit trail
/// (failures) and the legacy directory's counts (how many users each legacy system holds).
/// </summary>
public sealed class MigrationStats(LazyMigrateDbContext db, LegacyDirectory directory, TimeProvider time)
{
    /// <summary>The recent rate a projected finish date is drawn from.</summary>
    private const int RateDays = 7;

    public async Task<MigrationSnapshot> GetAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        var identities = await db.UserIdentities
            .GroupBy(i => new { i.Connection, i.Origin })
            .Select(g => new { g.Key.Connection, g.Key.Origin, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var imported = identities.Where(i => i.Origin == IdentityOrigin.Imported).ToDictionary(i => i.Connection, i => i.Count);
        var linked = identities.Where(i => i.Origin == IdentityOrigin.Linked).ToDictionary(i => i.Connection, i => i.Count);
        var kinds = (await (
                from i in db.UserIdentities
                where i.Origin == IdentityOrigin.Imported
                join u in db.Users on i.UserId equals u.Id
                group u by new { i.Connection, Bulk = i.ImportJobId != null } into g
                select new
                {
                    g.Key.Connection,
                    g.Key.Bulk,
                    Count = g.Count(),
                    // The legacy prefix is how a hash kept for the first sign-in is stored (LegacyCredential).
                    Legacy = g.Count(u => EF.Functions.Like(u.PasswordHash!, Account.LegacyCredential.Prefix + "%")),
                    None = g.Count(u => u.PasswordHash == null),
                })
            .ToListAsync(cancellationToken))
            .GroupBy(k => k.Connection)
            .ToDictionary(g => g.Key, g => g.Select(k => k.Bulk
                    ? new MigrationKinds(0, k.Count, k.Legacy, k.None)
                    : new MigrationKinds(k.Count, 0, 0, 0))
                .Aggregate(MigrationKinds.Zero, (a, b) => a.Plus(b)));
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
        foreach (var (connection, total) in await directory.CountUsersAsync(cancellationToken))
        {
            var migrated = imported.GetValueOrDefault(connection);
            var alsoHere = linked.GetValueOrDefault(connection);

            // Linked and deleted users are accounted for: neither will come over on their own.
            var remaining = total is { } t ? Math.Max(0, t - migrated - alsoHere - tombstones.GetValueOrDefault(connection)) : (long?)null;
            progress.Add(new ConnectionProgress(connection, migrated, total, remaining, alsoHere, kinds.GetValueOrDefault(connection, MigrationKinds.Zero)));
        }

        // Only Importing connections are counted (and may still send users), but a connection disconnected at the end
        // of its campaign keeps the users it brought: its figures stay, with no legacy total or remainder.
        var importing = progress.Count;
        foreach (var connection in imported.Keys.Concat(linked.Keys).Distinct().Where(c => progress.All(p => p.Connection != c)).Order(StringComparer.Ordinal))
        {
            progress.Add(new ConnectionProgress(connection, imported.GetValueOrDefault(connection), null, null, linked.GetValueOrDefault(connection),
                kinds.GetValueOrDefault(connection, MigrationKinds.Zero)));
        }

        // What remains to come over from the Importing connections; with none left importing, nobody can come over: 0.
        var counted = progress.Take(importing).ToList();
        var remainingTotal = counted.All(p => p.Remaining is not null) ? counted.Sum(p => p.Remaining!.Value) : (long?)null;
        var now = time.GetUtcNow();
        var recent = await db.Users.CountAsync(u => u.MigratedAt >= now.AddDays(-RateDays), cancellationToken);
        // Nothing left to come over is no date: the migration is complete (the dashboard says so), not finishing today.
        DateOnly? finish = remainingTotal is { } left && left > 0 && recent > 0
            ? DateOnly.FromDateTime(now.UtcDateTime).AddDays((int)Math.Ceiling(left / (recent / (double)RateDays)))
            : null;

        return new MigrationSnapshot(
            imported.Values.Sum(),
            kinds.Values.Aggregate(MigrationKinds.Zero, (a, b) => a.Plus(b)),
            progress,
            perDay,
            failures.GroupBy(f => f.Reason ?? "Unknown").ToDictionary(g => g.Key, g => g.Count()),
            remainingTotal,
            finish);
    }
}
