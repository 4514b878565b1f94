using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// An import job's work: counts the source's rows once (for progress), then writes the source page by page from the
/// checkpoint, at the job's rate, until the source ends or the job stops being this node's. The rate is kept here, for
/// every source: the next page is read only after this one is written, so a pull import asks its legacy system at
/// the same pace (at most one page ahead).
/// </summary>
public sealed class UserImportWork(
    IServiceProvider services,
    BulkUserWriter writer,
    LazyMigrateDbContext db,
    ImportMetrics metrics,
    TimeProvider time,
    ILogger<UserImportWork> logger) : IJobWork
{
    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var options = ImportJobOptions.Read(job.Options);
        if (!options.UploadComplete)
        {
            throw new JobFailedException("The file's upload did not complete; start a new import with the whole file.");
        }

        var source = (services.GetKeyedService<IUserSourceFactory>(job.Source)
            ?? throw new JobFailedException($"This server has no '{job.Source}' import source.")).Create(job);

        if (job.Total is null && await source.CountAsync(cancellationToken) is { } total)
        {
            job.Total = total;
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(set => set.SetProperty(j => j.Total, total), cancellationToken);
        }

        var started = time.GetTimestamp();
        long written = 0;
        await foreach (var page in source.ReadAsync(job.Checkpoint, cancellationToken))
        {
            if (options.Rate is { } rate)
            {
                // Paced over the whole run, not per page: a slow page is not followed by a burst beyond the rate. The one
                // pace of the job: sources do not pace themselves.
                var due = TimeSpan.FromSeconds((double)written / rate) - time.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken);
                }
            }

            if (await writer.WriteAsync(job, page, cancellationToken) is not { } outcome)
            {
                logger.LogInformation("Import job {JobId} stops: it is no longer running on this node", job.Id);
                return;
            }

            metrics.Written(job.Connection, job.Source, outcome);

            written += page.Rows.Count;
            job.Checkpoint = page.Checkpoint;
        }
    }
}
