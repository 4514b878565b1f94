using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkExport;

/// <summary>What reading an export's file found.</summary>
public abstract record ExportFile
{
    private ExportFile()
    {
    }

    public sealed record Ready(Guid JobId) : ExportFile;

    public sealed record NotFound : ExportFile;

    /// <summary>The job has not completed (yet, or ever): there is no whole file to give.</summary>
    public sealed record NotReady(JobView Job) : ExportFile;
}

/// <summary>Starting exports and reading their files; the job runner does the writing (<see cref="UserExportWork"/>).</summary>
public sealed class UserExports(LazyMigrateDbContext db, JobRunner runner, TimeProvider time, ILogger<UserExports> logger)
{
    public async Task<JobView> StartAsync(string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var job = new Job
        {
            Id = Guid.CreateVersion7(now),
            Kind = JobKind.UsersExport,
            State = JobState.Pending,
            Source = "users",
            RequestedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Export job {JobId} requested by {Actor}", job.Id, actor);
        runner.Wake();
        return JobView.From(job, new Dictionary<string, long>());
    }

    public async Task<ExportFile> FindFileAsync(Guid id, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id && j.Kind == JobKind.UsersExport, cancellationToken);
        return job switch
        {
            null => new ExportFile.NotFound(),
            { State: JobState.Completed } => new ExportFile.Ready(id),
            _ => new ExportFile.NotReady(JobView.From(job, new Dictionary<string, long>())),
        };
    }

    /// <summary>Copies the file to <paramref name="output"/> a chunk at a time, so a file of gigabytes never sits in memory.</summary>
    public async Task CopyFileAsync(Guid id, Stream output, CancellationToken cancellationToken)
    {
        for (var index = 0; ; index++)
        {
            var data = await db.JobFileChunks.AsNoTracking().Where(c => c.JobId == id && c.Index == index)
                .Select(c => c.Data).SingleOrDefaultAsync(cancellationToken);
            if (data is null)
            {
                return;
            }

            await output.WriteAsync(data, cancellationToken);
        }
    }
}
