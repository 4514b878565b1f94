using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// An import job's work: counts the source's rows once (for progress), then writes the source page by page from the
/// checkpoint, at the job's rate, until the source ends or the job stops being this node's. The rate is kept here, for
/// every source, on the reads: a pull import asks its legacy system at that pace, and the writes follow at most one
/// page behind.
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

        var pace = options.Rate is { } rate ? new ImportPace(rate, time) : null;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var pages = source.ReadAsync(job.Checkpoint, reading.Token).GetAsyncEnumerator(reading.Token);
        var next = ReadAheadAsync(pages, pace, reading.Token);
        try
        {
            while (await next is { } page)
            {
                // The next page is read and parsed while this one is written: parsing and PostgreSQL use both cores.
                next = ReadAheadAsync(pages, pace, reading.Token);
                if (await writer.WriteAsync(job, page, cancellationToken) is not { } outcome)
                {
                    logger.LogInformation("Import job {JobId} stops: it is no longer running on this node", job.Id);
                    return;
                }

                metrics.Written(job.Connection, job.Source, outcome);
                job.Checkpoint = page.Checkpoint;
            }
        }
        finally
        {
            // The source is disposed only once no read is under way. A page read ahead of a job that stopped is not
            // needed any more: whatever ended its read (the cancellation here, a broken file) changes nothing; an error
            // that stopped the loop itself is already on its way out.
            await reading.CancelAsync();
            try
            {
                await next;
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Import job {JobId}: the page read ahead was dropped", job.Id);
            }
        }
    }

    /// <summary>The source's next page, or null at its end, on another thread, once the job's pace allows it.</summary>
    private static Task<ImportPage?> ReadAheadAsync(IAsyncEnumerator<ImportPage> pages, ImportPace? pace, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            if (pace is not null)
            {
                await pace.WaitAsync(cancellationToken);
            }

            if (!await pages.MoveNextAsync())
            {
                return null;
            }

            pace?.Asked(pages.Current.Rows.Count);
            return pages.Current;
        }, cancellationToken);
}
