using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Email;

/// <summary>
/// Drains the outbox on every node: takes one due message at a time under a lease (SKIP LOCKED, so nodes never take
/// the same one), sends it, and deletes it, protected body and all. A failed send waits and is tried again; a message
/// still undeliverable after <see cref="EmailOutboxOptions.MaxAttempts"/> is deleted with a log line that names its
/// subject, never its body. A node that dies mid-send leaves the message to another once the lease ends: delivery is
/// at least once, never zero times.
/// </summary>
public sealed class EmailOutboxSender(
    EmailOutbox outbox,
    EmailSender sender,
    IServiceScopeFactory scopes,
    IOptions<EmailOutboxOptions> options,
    TimeProvider time,
    ILogger<EmailOutboxSender> logger) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    /// <summary>The earliest retry this node scheduled: it looks again then rather than at the next poll.</summary>
    private DateTimeOffset? _nextRetry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendNextAsync(stoppingToken))
                {
                    // One message at a time, each under its own lease, until none is due.
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Our own database is unavailable, for instance: the messages wait, and the next round tries again.
                logger.LogWarning(ex, "Sending the email outbox failed; it is tried again later");
            }

            try
            {
                await outbox.WaitAsync(UntilNextRound(), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan UntilNextRound()
    {
        var poll = options.Value.PollInterval;
        if (_nextRetry is not { } retry)
        {
            return poll;
        }

        _nextRetry = null;
        var wait = retry - time.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait < poll ? wait : poll;
    }

    /// <returns>False when no message was due.</returns>
    private async Task<bool> SendNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var now = time.GetUtcNow();
        var leaseUntil = now + options.Value.Lease;
        var claimed = await db.OutgoingEmails.FromSql($"""
            UPDATE "OutgoingEmails" SET "DueAt" = {leaseUntil}, "Attempts" = "Attempts" + 1
            WHERE "Id" = (SELECT "Id" FROM "OutgoingEmails" WHERE "DueAt" <= {now}
                          ORDER BY "DueAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (claimed is not [var message])
        {
            return false;
        }

        try
        {
            await sender.SendAsync(message.To, message.Subject, outbox.Unprotect(message), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The exception comes from the relay or the pickup folder, never from the body, which is not in it.
            if (message.Attempts >= options.Value.MaxAttempts)
            {
                logger.LogError(ex, "Email {MessageId} (\"{Subject}\") was given up after {Attempts} tries", message.Id, message.Subject, message.Attempts);
                await db.OutgoingEmails.Where(m => m.Id == message.Id).ExecuteDeleteAsync(CancellationToken.None);
                return true;
            }

            var delay = options.Value.RetryDelay * Math.Pow(2, Math.Min(message.Attempts - 1, 16));
            var due = time.GetUtcNow() + (delay < MaxRetryDelay ? delay : MaxRetryDelay);
            _nextRetry = _nextRetry is { } earlier && earlier < due ? earlier : due;
            logger.LogWarning(ex, "Email {MessageId} (\"{Subject}\") could not be sent (try {Attempt}); next try at {Due}", message.Id, message.Subject, message.Attempts, due);
            await db.OutgoingEmails.Where(m => m.Id == message.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.DueAt, due), CancellationToken.None);
            return true;
        }

        // Sent: the body (and the link in it) leaves the database at once. Not cancellable: a shutdown between the
        // send and the delete would send the message twice.
        await db.OutgoingEmails.Where(m => m.Id == message.Id).ExecuteDeleteAsync(CancellationToken.None);
        return true;
    }
}
