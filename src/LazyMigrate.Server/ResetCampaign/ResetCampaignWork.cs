using LazyMigrate.Server.Account;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Email;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.ResetCampaign;

/// <summary>
/// A reset-email campaign's work: the recipients in id order after the checkpoint, a small batch at a time, each
/// batch's emails (through the outbox, which delivers and retries them), audit events, counts and checkpoint in one
/// transaction that commits only while this node holds the job. A resumed or taken-over campaign goes on after the
/// last committed user: nobody is emailed twice by one campaign, and nobody is skipped. Paced over the whole run at
/// the campaign's emails per minute.
/// </summary>
public sealed class ResetCampaignWork(
    LazyMigrateDbContext db,
    PasswordResets resets,
    EmailOutbox outbox,
    TimeProvider time,
    ILogger<ResetCampaignWork> logger) : IJobWork
{
    /// <summary>Emails a batch holds at most: small, so a pause or a crash repeats little and the pace stays even.</summary>
    private const int MaxBatch = 50;

    public const string Subject = "Choose a password for your account";

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var options = ResetCampaignOptions.Read(job.Options);
        if (job.Total is null)
        {
            job.Total = await ResetCampaigns.Recipients(db, job.Connection).LongCountAsync(cancellationToken);
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(set => set.SetProperty(j => j.Total, job.Total), cancellationToken);
        }

        // A batch is at most a few seconds' worth, so a slow pace is not a burst then a long wait.
        var batch = Math.Clamp(options.EmailsPerMinute / 12, 1, MaxBatch);
        var after = job.Checkpoint is { } checkpoint ? Guid.Parse(checkpoint) : (Guid?)null;
        var started = time.GetTimestamp();
        long sent = 0;
        while (true)
        {
            var query = ResetCampaigns.Recipients(db, job.Connection);
            if (after is { } last)
            {
                query = query.Where(u => u.Id.CompareTo(last) > 0);
            }

            var users = await query.OrderBy(u => u.Id).Take(batch).ToListAsync(cancellationToken);
            if (users.Count == 0)
            {
                return;
            }

            // Read first, then wait: the campaign ends as soon as nobody is left, not one interval later. Whoever sets
            // a password meanwhile is dropped again below.
            var due = TimeSpan.FromMinutes((double)sent / options.EmailsPerMinute) - time.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, time, cancellationToken);
                var ids = users.Select(u => u.Id).ToList();
                var still = await ResetCampaigns.Recipients(db, job.Connection).Where(u => ids.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken);
                users = [.. users.Where(u => still.Contains(u.Id))];
                if (users.Count == 0)
                {
                    after = ids[^1];
                    continue;
                }
            }

            if (!await SendAsync(job, users, cancellationToken))
            {
                logger.LogInformation("Reset-email campaign {JobId} stops: it is no longer running on this node", job.Id);
                return;
            }

            sent += users.Count;
            after = users[^1].Id;
            job.Checkpoint = after.Value.ToString();
        }
    }

    /// <returns>False when the job is no longer this node's: nothing of the batch was written.</returns>
    private async Task<bool> SendAsync(Job job, List<User> users, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = time.GetUtcNow();
            foreach (var user in users)
            {
                // The link is a password for whoever holds it: it goes into the outbox (stored protected), never a log.
                var link = await resets.LocalLinkAsync(user);
                outbox.Add(db, user.Email!, Subject,
                    "Your account has moved to a new sign-in service. Your old password could not be brought over, so " +
                    $"please choose a new one with this link:\n\n{link}\n\n" +
                    "If the link has expired, use \"Forgot your password?\" on the sign-in page. If you did not expect this message, you can ignore it.");
                db.AuditEvents.Add(new AuditEvent
                {
                    At = now,
                    Type = AuditEventType.ResetLinkSent,
                    UserId = user.Id,
                    Connection = job.Connection,
                    Reason = "ResetCampaign",
                    Actor = "job:" + job.Id.ToString("N"),
                });
            }

            await db.SaveChangesAsync(ct);
            var checkpoint = users[^1].Id.ToString();
            var owned = await db.Jobs.Where(j => j.Id == job.Id && j.LeaseOwner == job.LeaseOwner && j.State == JobState.Running)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(j => j.Processed, j => j.Processed + users.Count)
                    .SetProperty(j => j.Created, j => j.Created + users.Count)
                    .SetProperty(j => j.Checkpoint, checkpoint)
                    .SetProperty(j => j.UpdatedAt, now), ct);
            if (owned == 0)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return false;
            }

            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            // Written inside the transaction, the outbox's own wake came before the commit: wake it now the rows are there.
            outbox.Wake();
            return true;
        }, cancellationToken);
    }
}
