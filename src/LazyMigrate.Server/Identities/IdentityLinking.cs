using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Identities;

/// <summary>The <c>LazyMigrate:IdentityLinking</c> section.</summary>
public sealed class IdentityLinkingOptions
{
    public const string Section = "LazyMigrate:IdentityLinking";

    /// <summary>How often each node looks for links due (imports on the node itself wake it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait after a legacy system could not answer; doubled on each further failure, up to an hour.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a node holds a link it works on before another node may take it (it crashed).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Tries before a user's linking is given up (logged): about a day with the default delays.</summary>
    public int MaxAttempts { get; set; } = 30;
}

/// <summary>
/// After a user is imported, finds the other legacy pools that know their address and links them as identities,
/// in the background, so a first sign-in never waits for the pools that did not sign the person in. The work is a
/// row written with the import; every node takes due rows one at a time with a lease (SKIP LOCKED), so a crash or
/// an outage only delays it.
/// </summary>
public sealed class IdentityLinking(IServiceScopeFactory scopes, IOptions<IdentityLinkingOptions> options, TimeProvider time, ILogger<IdentityLinking> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks this node to look for due links now (an import just committed one).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one round takes every due link.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await LinkNextAsync(stoppingToken))
                {
                    // One user at a time, each under a lease of its own, until none is due.
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Our own database is unavailable, for instance: the rows wait, and the next round tries again.
                logger.LogWarning(ex, "Identity linking round failed; it is tried again later");
            }

            try
            {
                await _wake.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <returns>False when no link was due.</returns>
    private async Task<bool> LinkNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var now = time.GetUtcNow();
        var leaseUntil = now + options.Value.Lease;
        var claimed = await db.Database.SqlQuery<ClaimedLink>($"""
            UPDATE "PendingIdentityLinks" SET "DueAt" = {leaseUntil}, "Attempts" = "Attempts" + 1
            WHERE "UserId" = (SELECT "UserId" FROM "PendingIdentityLinks" WHERE "DueAt" <= {now}
                              ORDER BY "DueAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "UserId", "Attempts"
            """).ToListAsync(cancellationToken);
        if (claimed is not [var link])
        {
            return false;
        }

        bool complete;
        try
        {
            complete = await scope.ServiceProvider.GetRequiredService<LegacyDirectory>().LinkIdentitiesAsync(link.UserId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Identity linking for user {UserId} failed", link.UserId);
            complete = false;
        }

        if (complete || link.Attempts >= options.Value.MaxAttempts)
        {
            if (!complete)
            {
                logger.LogWarning("Identity linking for user {UserId} was given up after {Attempts} tries", link.UserId, link.Attempts);
            }

            await db.PendingIdentityLinks.Where(l => l.UserId == link.UserId).ExecuteDeleteAsync(cancellationToken);
            return true;
        }

        var delay = options.Value.RetryDelay * Math.Pow(2, Math.Min(link.Attempts - 1, 16));
        var due = time.GetUtcNow() + (delay < MaxRetryDelay ? delay : MaxRetryDelay);
        await db.PendingIdentityLinks.Where(l => l.UserId == link.UserId)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.DueAt, due), cancellationToken);
        logger.LogInformation("Identity linking for user {UserId} waits for a legacy system; next try at {Due}", link.UserId, due);
        return true;
    }

    private sealed class ClaimedLink
    {
        public Guid UserId { get; init; }

        public int Attempts { get; init; }
    }
}
