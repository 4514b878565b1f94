using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Audit;

public sealed record AuditQuery
{
    public const int MaxLimit = 500;

    // Npgsql writes only UTC offsets to timestamptz: a filter given as 10:00+02:00 means 08:00Z.
    public DateTimeOffset? From { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? To { get; init => field = value?.ToUniversalTime(); }

    public AuditEventType? Type { get; init; }

    public Guid? UserId { get; init; }

    public string? Connection { get; init; }

    public string? Reason { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>The id of the last entry of the previous page: entries come newest first, ids only grow.</summary>
    public long? Before { get; init; }
}

public sealed record AuditPage(IReadOnlyList<AuditEvent> Items, long? NextBefore);

/// <summary>The read side of the audit trail, for the management API and the console.</summary>
public sealed class AuditLog(LazyMigrateDbContext db)
{
    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (query.From is { } from) events = events.Where(a => a.At >= from);
        if (query.To is { } to) events = events.Where(a => a.At < to);
        if (query.Type is { } type) events = events.Where(a => a.Type == type);
        if (query.UserId is { } userId) events = events.Where(a => a.UserId == userId);
        if (query.Connection is { } connection) events = events.Where(a => a.Connection == connection);
        if (query.Reason is { } reason) events = events.Where(a => a.Reason == reason);
        if (query.Before is { } before) events = events.Where(a => a.Id < before);

        var limit = Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit);
        var page = await events.OrderByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken);
        return new AuditPage(page.Take(limit).ToList(), page.Count > limit ? page[limit - 1].Id : null);
    }
}
