using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkExport;

/// <summary>
/// Writes every user as JSON Lines (see <see cref="ExportLine"/>) into the job's <see cref="JobFileChunk"/>s, so any
/// node can serve the file whichever wrote it. Users are read by keyset on (created, id), a batch at a time; each
/// batch's chunks, the checkpoint (the last user written) and the count go in one transaction, made only while this
/// node holds the job's lease, so a job resumed after a crash or on another node continues after the last committed
/// user: no line twice, none missing. Users created
/// while the export runs are included when they sort after the checkpoint.
/// </summary>
public sealed class UserExportWork(IServiceScopeFactory scopes, TimeProvider time, ILogger<UserExportWork> logger) : IJobWork
{
    /// <summary>Users read and written per transaction.</summary>
    public const int BatchSize = 1000;

    /// <summary>A chunk ends at the first line end past this size (a line is at most a few hundred kilobytes).</summary>
    public const int ChunkBytes = 4 * 1024 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // A file for programs, never embedded in a page: "é" stays "é" rather than "\u00E9".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        if (job.Total is null)
        {
            job.Total = await db.Users.LongCountAsync(cancellationToken);
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Total, job.Total), cancellationToken);
        }

        var after = ExportCheckpoint.Parse(job.Checkpoint);
        var nextChunk = await db.JobFileChunks.Where(c => c.JobId == job.Id).Select(c => (int?)c.Index).MaxAsync(cancellationToken) + 1 ?? 0;
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes + (ChunkBytes / 4));
        while (!cancellationToken.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            var users = db.Users.AsNoTracking().Include(u => u.Identities).AsSplitQuery();
            var page = await (after is { } a
                    ? users.Where(u => EF.Functions.GreaterThan(ValueTuple.Create(u.CreatedAt, u.Id), ValueTuple.Create(a.CreatedAt, a.Id)))
                    : users)
                .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                logger.LogInformation("Export job {JobId} wrote {Users} users in {Chunks} chunks", job.Id, job.Processed, nextChunk);
                return;
            }

            var factors = await ExportedFactors.ReadAsync(db, scope.ServiceProvider.GetRequiredService<Mfa.MfaCarryOver>(), page, cancellationToken);
            var chunks = new List<JobFileChunk>();
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            {
                foreach (var user in page)
                {
                    ExportLine.Write(json, user, factors.GetValueOrDefault(user.Id));
                    json.Flush();
                    json.Reset();
                    buffer.Write("\n"u8);
                    if (buffer.WrittenCount >= ChunkBytes)
                    {
                        chunks.Add(new JobFileChunk { JobId = job.Id, Index = nextChunk + chunks.Count, Data = buffer.WrittenSpan.ToArray() });
                        buffer.ResetWrittenCount();
                    }
                }
            }

            if (buffer.WrittenCount > 0)
            {
                chunks.Add(new JobFileChunk { JobId = job.Id, Index = nextChunk + chunks.Count, Data = buffer.WrittenSpan.ToArray() });
            }

            var last = page[^1];
            var checkpoint = ExportCheckpoint.Format(last.CreatedAt, last.Id);
            var processed = job.Processed + page.Count;
            var now = time.GetUtcNow();
            var strategy = db.Database.CreateExecutionStrategy();
            var committed = await strategy.ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                // The checkpoint moves only while this node holds the job: paused, cancelled or taken over by another
                // node (its lease lapsed), the batch is rolled back and the other node writes it, once.
                var held = await db.Jobs.Where(j => j.Id == job.Id && j.LeaseOwner == job.LeaseOwner && j.State == JobState.Running).ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.Checkpoint, checkpoint).SetProperty(j => j.Processed, processed).SetProperty(j => j.UpdatedAt, now),
                    cancellationToken);
                if (held == 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return false;
                }

                db.JobFileChunks.AddRange(chunks);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return true;
            });
            if (!committed)
            {
                logger.LogInformation("Export job {JobId} stops: it is no longer running on this node", job.Id);
                return;
            }

            job.Checkpoint = checkpoint;
            job.Processed = processed;
            job.UpdatedAt = now;
            nextChunk += chunks.Count;
            after = (last.CreatedAt, last.Id);
        }
    }
}

/// <summary>An export's checkpoint: the (created, id) of the last user written, as <c>created|id</c>.</summary>
internal static class ExportCheckpoint
{
    public static string Format(DateTimeOffset createdAt, Guid id) =>
        createdAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + id.ToString("D");

    public static (DateTimeOffset CreatedAt, Guid Id)? Parse(string? checkpoint)
    {
        if (checkpoint is null)
        {
            return null;
        }

        var parts = checkpoint.Split('|');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && Guid.TryParse(parts[1], out var id)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : throw new InvalidOperationException("the export's checkpoint is not one an export wrote");
    }
}
