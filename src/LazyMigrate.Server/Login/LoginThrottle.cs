using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Login;

/// <summary>A failure counter for one throttling key, shared by every node through PostgreSQL.</summary>
public sealed class LoginThrottleCounter
{
    public required string Key { get; set; }

    public int Failures { get; set; }

    public DateTimeOffset WindowStart { get; set; }

    public DateTimeOffset? BlockedUntil { get; set; }
}

/// <summary>
/// Slows down password guessing before anything else runs (local hash, legacy script), so credential stuffing never
/// reaches the legacy database. Two counters: per account and IP, and per IP. Past a threshold each further failure
/// doubles the wait instead of locking the account, because a hard lock is a button any attacker can press to keep a
/// victim out; the per-account counter includes the IP for the same reason, so another address is never slowed by it.
/// Other steps (the second factor's code) count under keys and allowances of their own through the same counters.
/// </summary>
public sealed class LoginThrottle(LazyMigrateDbContext db, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public const int AccountFailuresAllowed = 5;
    public const int AddressFailuresAllowed = 50;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaximumDelay = TimeSpan.FromMinutes(15);

    // The account counter keys this instance has read and found absent: a success then has nothing to clear.
    private readonly HashSet<string> _absent = new(StringComparer.Ordinal);

    /// <summary>When the attempt must wait, until when; null when it may go ahead.</summary>
    public async Task<DateTimeOffset?> BlockedUntilAsync(string identifier, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var keys = Keys(identifier, ip);
        // Both counters in one read, blocked or not, so a later success knows whether the account's counter exists.
        var counters = await db.LoginThrottleCounters.AsNoTracking()
            .Where(c => keys.Contains(c.Key))
            .Select(c => new { c.Key, c.BlockedUntil })
            .ToListAsync(cancellationToken);
        if (!counters.Any(c => c.Key == keys[0]))
        {
            _absent.Add(keys[0]);
        }

        return counters.Where(c => c.BlockedUntil > now).Max(c => c.BlockedUntil);
    }

    public async Task RecordFailureAsync(string identifier, string? ip, CancellationToken cancellationToken)
    {
        var keys = Keys(identifier, ip);
        _absent.Remove(keys[0]);
        await CountAsync(keys[0], AccountFailuresAllowed, cancellationToken);
        await CountAsync(keys[1], AddressFailuresAllowed, cancellationToken);
    }

    /// <summary>
    /// A successful sign-in clears the account's counter for that address (not the address's own). When this attempt's
    /// read found no such counter there is nothing to delete, and the common sign-in saves a round trip; a failure of
    /// the same account from the same address racing this success may then outlive it, as it could by coming just after.
    /// </summary>
    public async Task RecordSuccessAsync(string identifier, string? ip, CancellationToken cancellationToken)
    {
        var key = Keys(identifier, ip)[0];
        if (_absent.Contains(key))
        {
            return;
        }

        await db.LoginThrottleCounters.Where(c => c.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>When any of <paramref name="keys"/> must wait, until when; null when none must (counters of the caller's own choosing).</summary>
    public async Task<DateTimeOffset?> BlockedUntilAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.LoginThrottleCounters.AsNoTracking()
            .Where(c => keys.Contains(c.Key) && c.BlockedUntil > now)
            .MaxAsync(c => c.BlockedUntil, cancellationToken);
    }

    /// <summary>Counts one failure under each key, each against its own allowance.</summary>
    public async Task RecordFailureAsync(IEnumerable<(string Key, int Allowed)> counters, CancellationToken cancellationToken)
    {
        foreach (var (key, allowed) in counters)
        {
            await CountAsync(key, allowed, cancellationToken);
        }
    }

    /// <summary>Forgets the failures counted under <paramref name="key"/>.</summary>
    public async Task ClearAsync(string key, CancellationToken cancellationToken) =>
        await db.LoginThrottleCounters.Where(c => c.Key == key).ExecuteDeleteAsync(cancellationToken);

    private async Task CountAsync(string key, int allowed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // One atomic upsert per key: concurrent failures on several nodes all count. A window that has run out starts over.
        var failures = (await db.Database.SqlQuery<int>($"""
            INSERT INTO "LoginThrottleCounters" AS c ("Key", "Failures", "WindowStart", "BlockedUntil")
            VALUES ({key}, 1, {now}, NULL)
            ON CONFLICT ("Key") DO UPDATE SET
                "Failures" = CASE WHEN c."WindowStart" < {now - Window} THEN 1 ELSE c."Failures" + 1 END,
                "WindowStart" = CASE WHEN c."WindowStart" < {now - Window} THEN {now} ELSE c."WindowStart" END
            RETURNING "Failures" AS "Value"
            """).ToListAsync(cancellationToken)).Single();

        if (failures >= allowed)
        {
            // 15 s after the last allowed failure, doubling with each further one, never more than 15 minutes.
            var delay = TimeSpan.FromSeconds(Math.Min(FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(failures - allowed, 16)), MaximumDelay.TotalSeconds));
            var until = now + delay;
            await db.LoginThrottleCounters.Where(c => c.Key == key)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.BlockedUntil, until), cancellationToken);
        }
    }

    private static string[] Keys(string identifier, string? ip)
    {
        var address = string.IsNullOrEmpty(ip) ? "unknown" : ip;
        var account = identifier.Trim().Normalize(System.Text.NormalizationForm.FormKC).ToUpperInvariant();
        return [$"account:{account}|{address}", $"ip:{address}"];
    }
}
