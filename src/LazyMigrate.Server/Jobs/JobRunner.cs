using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Jobs;

/// <summary>The <c>LazyMigrate:Jobs</c> section.</summary>
public sealed class JobsOptions
{
    public const string Section = "LazyMigrate:Jobs";

    /// <summary>How long a node holds a job without renewing its lease; after that another node takes it over (it crashed).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>False: this node never runs jobs (it still creates and steers them); for nodes kept for sign-ins only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each node looks for work (a job created or resumed on the node itself wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>A job ends with a reason the administrator may read (never a hash or a password): the job is Failed.</summary>
public sealed class JobFailedException(string message) : Exception(message);

/// <summary>
/// Runs the jobs, on whichever node is free: takes a Pending job, or a Running one whose lease lapsed (its node
/// crashed), with UPDATE … FOR UPDATE SKIP LOCKED, renews the lease while the <see cref="IJobWork"/> of its kind works,
/// and stops that work (through its token) as soon as the lease cannot be renewed: the job was paused or cancelled, or
/// another node took it. The work commits its checkpoint only while it holds the lease, so nothing is done twice.
/// </summary>
public sealed class JobRunner(IServiceScopeFactory scopes, IOptions<JobsOptions> options, TimeProvider time, ILogger<JobRunner> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>This node's name in <see cref="Job.LeaseOwner"/>: unique per process and runner, so two hosts in one process differ.</summary>
    public string Node { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks this node to look for work now (a job was just created or resumed).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunNextAsync(stoppingToken))
                {
                    // One job at a time per node, until none is waiting.
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Job round failed; it is tried again later");
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

    /// <returns>False when no job was waiting.</returns>
    private async Task<bool> RunNextAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var now = time.GetUtcNow();
        var leaseUntil = now + options.Value.LeaseDuration;
        var claimed = await db.Database.SqlQuery<Guid>($"""
            UPDATE "Jobs" SET "State" = 'Running', "LeaseOwner" = {Node}, "LeaseUntil" = {leaseUntil},
                              "StartedAt" = coalesce("StartedAt", {now}), "UpdatedAt" = {now}
            WHERE "Id" = (SELECT "Id" FROM "Jobs"
                          WHERE "State" IN ('Pending', 'Running') AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                          ORDER BY "CreatedAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(stoppingToken);
        if (claimed is not [var id])
        {
            return false;
        }

        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, stoppingToken);
        logger.LogInformation("Job {JobId} ({Kind}) runs on node {Node} from checkpoint {Checkpoint}", job.Id, job.Kind, Node, job.Checkpoint ?? "start");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var heartbeat = HeartbeatAsync(job.Id, stop);
        try
        {
            var work = scope.ServiceProvider.GetRequiredKeyedService<IJobWork>(job.Kind);
            await work.RunAsync(job, stop.Token);
            if (!stop.IsCancellationRequested)
            {
                await FinishAsync(db, job.Id, JobState.Completed, null);
                logger.LogInformation("Job {JobId} completed", job.Id);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Paused, cancelled, taken over or shutting down: the checkpoint says where a later run resumes.
        }
        catch (JobFailedException ex)
        {
            logger.LogWarning("Job {JobId} failed: {Reason}", job.Id, ex.Message);
            await FinishAsync(db, job.Id, JobState.Failed, ex.Message);
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            logger.LogError(ex, "Job {JobId} failed", job.Id);
            await FinishAsync(db, job.Id, JobState.Failed, "The job stopped on an unexpected error; the server log has the details.");
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
            // Shutting down (a deploy): hand the job back at once instead of letting another node wait out the lease.
            await db.Jobs.Where(j => j.Id == job.Id && j.LeaseOwner == Node && j.State == JobState.Running)
                .ExecuteUpdateAsync(set => set.SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
        }

        return true;
    }

    private Task<int> FinishAsync(LazyMigrateDbContext db, Guid id, JobState state, string? error)
    {
        var now = time.GetUtcNow();
        return db.Jobs.Where(j => j.Id == id && j.LeaseOwner == Node && j.State == JobState.Running).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, state)
            .SetProperty(j => j.Error, error)
            .SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.UpdatedAt, now)
            .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
    }

    /// <summary>Renews the lease a third of its length before it ends; stops the work when it cannot.</summary>
    private async Task HeartbeatAsync(Guid id, CancellationTokenSource stop)
    {
        var lease = options.Value.LeaseDuration;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(lease / 3, time, stop.Token);
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                var until = time.GetUtcNow() + lease;
                var renewed = await db.Jobs.Where(j => j.Id == id && j.LeaseOwner == Node && j.State == JobState.Running)
                    .ExecuteUpdateAsync(set => set.SetProperty(j => j.LeaseUntil, until), stop.Token);
                if (renewed == 0)
                {
                    logger.LogInformation("Job {JobId} stops on node {Node}: paused, cancelled or taken over", id, Node);
                    await stop.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The work ended.
        }
        catch (Exception ex)
        {
            // Our database is unavailable: the work cannot commit either; stop and let the lease decide who goes on.
            logger.LogWarning(ex, "Job {JobId}'s lease could not be renewed; the job stops on node {Node}", id, Node);
            await stop.CancelAsync();
        }
    }
}
