using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Account;

/// <summary>One fixed-window counter of <see cref="AccountRateLimits"/>, shared by every node through PostgreSQL.</summary>
public sealed class AccountRateCounter
{
    public required string Key { get; set; }

    public int Count { get; set; }

    public DateTimeOffset WindowStart { get; set; }
}

/// <summary>
/// Limits on registration and password-reset requests, per address and per client address. Both forms ask the legacy
/// systems about an address and reset sends mail, so without a limit they are an existence oracle and a mail cannon.
/// The per-address limits do not depend on whether the address exists, so hitting one reveals nothing. Counted in
/// PostgreSQL like the login throttle, so behind a load balancer the limit is the deployment's, not each node's.
/// </summary>
public sealed class AccountRateLimits(LazyMigrateDbContext db, TimeProvider time)
{
    private static readonly Limit RegistrationsPerAddress = new("register:address:", 5, TimeSpan.FromHours(1));
    private static readonly Limit RegistrationsPerClient = new("register:client:", 20, TimeSpan.FromHours(1));
    private static readonly Limit ResetsPerAddress = new("reset:address:", 3, TimeSpan.FromMinutes(15));
    private static readonly Limit ResetsPerClient = new("reset:client:", 20, TimeSpan.FromHours(1));

    /// <summary>Windows end after an hour at most: older counters are deleted now and then by whoever counts.</summary>
    private static readonly TimeSpan LongestWindow = TimeSpan.FromHours(1);

    /// <summary>True when this registration attempt may go ahead.</summary>
    public async Task<bool> TryRegisterAsync(string normalisedEmail, string? clientAddress, CancellationToken cancellationToken) =>
        await AcquireAsync(RegistrationsPerClient, clientAddress, cancellationToken)
        && await AcquireAsync(RegistrationsPerAddress, normalisedEmail, cancellationToken);

    /// <summary>True when this reset request may go ahead.</summary>
    public async Task<bool> TryRequestResetAsync(string normalisedEmail, string? clientAddress, CancellationToken cancellationToken) =>
        await AcquireAsync(ResetsPerClient, clientAddress, cancellationToken)
        && await AcquireAsync(ResetsPerAddress, normalisedEmail, cancellationToken);

    private async Task<bool> AcquireAsync(Limit limit, string? key, CancellationToken cancellationToken)
    {
        // No address to count by (a Unix socket, an in-memory host): only the per-address limit applies.
        if (key is null)
        {
            return true;
        }

        var now = time.GetUtcNow();
        var counter = limit.Prefix + key.ToUpperInvariant();
        // One atomic upsert: concurrent requests on several nodes all count. A window that has run out starts over.
        var count = (await db.Database.SqlQuery<int>($"""
            INSERT INTO "AccountRateCounters" AS c ("Key", "Count", "WindowStart")
            VALUES ({counter}, 1, {now})
            ON CONFLICT ("Key") DO UPDATE SET
                "Count" = CASE WHEN c."WindowStart" <= {now - limit.Window} THEN 1 ELSE c."Count" + 1 END,
                "WindowStart" = CASE WHEN c."WindowStart" <= {now - limit.Window} THEN {now} ELSE c."WindowStart" END
            RETURNING "Count" AS "Value"
            """).ToListAsync(cancellationToken)).Single();

        // A flood of made-up addresses leaves a row each; one request in a thousand clears the windows that have ended.
        if (Random.Shared.Next(1000) == 0)
        {
            var ended = now - LongestWindow;
            await db.AccountRateCounters.Where(c => c.WindowStart < ended).ExecuteDeleteAsync(cancellationToken);
        }

        return count <= limit.Permits;
    }

    private sealed record Limit(string Prefix, int Permits, TimeSpan Window);
}
