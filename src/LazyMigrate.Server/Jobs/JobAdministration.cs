using System.Globalization;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Jobs;

/// <summary>The counts of a job's rows.</summary>
public sealed record JobCounts(long Processed, long Created, long Linked, long Skipped, long Refused);

/// <summary>
/// What administrators see of a job: state, counts, refused rows by reason, progress (0..1 when the total is known),
/// rate in rows per second and the estimated finish while it runs. Never a file's content, a hash or a password.
/// </summary>
public sealed record JobView(
    Guid Id,
    JobKind Kind,
    JobState State,
    string? Connection,
    string Source,
    string? Format,
    JobCounts Counts,
    IReadOnlyDictionary<string, long> RefusedByReason,
    long? Total,
    double? Progress,
    double? Rate,
    DateTimeOffset? EstimatedFinish,
    string? Error,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset UpdatedAt)
{
    public static JobView From(Job job, IReadOnlyDictionary<string, long> refusedByReason)
    {
        double? rate = null;
        DateTimeOffset? finish = null;
        if (job.StartedAt is { } started && job.Processed > 0)
        {
            var end = job.FinishedAt ?? job.UpdatedAt;
            var seconds = (end - started).TotalSeconds;
            rate = seconds > 0 ? Math.Round(job.Processed / seconds, 1) : null;
            if (job.State == JobState.Running && rate > 0 && job.Total is { } total)
            {
                finish = job.UpdatedAt + TimeSpan.FromSeconds(Math.Max(0, total - job.Processed) / rate.Value);
            }
        }

        double? progress = job.State == JobState.Completed ? 1
            : job.Total is > 0 and var t ? Math.Min(1, Math.Round((double)job.Processed / t, 4)) : null;
        return new JobView(job.Id, job.Kind, job.State, job.Connection, job.Source, job.Format,
            new JobCounts(job.Processed, job.Created, job.Linked, job.Skipped, job.Refused), refusedByReason, job.Total, progress, rate, finish,
            job.Error, job.RequestedBy, job.CreatedAt, job.StartedAt, job.FinishedAt, job.UpdatedAt);
    }
}

/// <summary>One refused row of a job's report: where, why, and whose (never the hash).</summary>
public sealed record JobErrorView(long Id, string Position, string Reason, string? Detail, string? LegacyId, string? Email);

/// <summary>How a state change ended.</summary>
public abstract record JobChange
{
    private JobChange()
    {
    }

    public sealed record Done(JobView Job) : JobChange;

    public sealed record NotFound : JobChange;

    /// <summary>The job's state does not allow the change (resume a running job, pause a finished one).</summary>
    public sealed record NotAllowed(JobState State) : JobChange;
}

/// <summary>
/// Lists and reads jobs and steers them (pause, resume, cancel) for the management API and the console. A state
/// change is one conditional UPDATE; the node running the job notices when its lease renewal or its next page's
/// commit no longer finds the job Running, and stops between pages.
/// </summary>
public sealed class JobAdministration(LazyMigrateDbContext db, JobRunner runner, TimeProvider time)
{
    public const int MaxLimit = 200;

    /// <summary>Newest first; <paramref name="before"/> is the last page's <c>next</c> cursor; <paramref name="connection"/> keeps one connection's jobs.</summary>
    public async Task<(IReadOnlyList<JobView> Items, string? Next)> ListAsync(IReadOnlyCollection<JobKind> kinds, int limit, string? before,
        CancellationToken cancellationToken, string? connection = null)
    {
        var query = db.Jobs.AsNoTracking().Where(j => kinds.Contains(j.Kind));
        if (connection is not null)
        {
            query = query.Where(j => j.Connection == connection);
        }

        if (ParseCursor(before) is { } cursor)
        {
            query = query.Where(j => j.CreatedAt < cursor.At || (j.CreatedAt == cursor.At && j.Id.CompareTo(cursor.Id) < 0));
        }

        var jobs = await query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var ids = jobs.Take(limit).Select(j => j.Id).ToList();
        var reasons = (await db.JobErrors.Where(e => ids.Contains(e.JobId)).GroupBy(e => new { e.JobId, e.Reason })
                .Select(g => new { g.Key.JobId, g.Key.Reason, Count = g.LongCount() }).ToListAsync(cancellationToken))
            .ToLookup(r => r.JobId);
        var next = jobs.Count > limit
            ? string.Create(CultureInfo.InvariantCulture, $"{jobs[limit - 1].CreatedAt.UtcTicks}_{jobs[limit - 1].Id:N}")
            : null;
        return ([.. jobs.Take(limit).Select(j => JobView.From(j, reasons[j.Id].ToDictionary(r => r.Reason, r => r.Count)))], next);
    }

    public static bool IsValidCursor(string? cursor) => cursor is null || ParseCursor(cursor) is not null;

    /// <summary>The job's kind, or null when there is no such job (for the caller's permission check before anything else).</summary>
    public async Task<JobKind?> KindOfAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Jobs.Where(j => j.Id == id).Select(j => (JobKind?)j.Kind).SingleOrDefaultAsync(cancellationToken);

    public async Task<JobView?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        return job is null ? null : JobView.From(job, await RefusedByReasonAsync(id, cancellationToken));
    }

    /// <summary>Refused rows in file order; <paramref name="after"/> is the last row's id of the previous page. Null: no such job.</summary>
    public async Task<IReadOnlyList<JobErrorView>?> ErrorsAsync(Guid id, int limit, long? after, CancellationToken cancellationToken)
    {
        if (!await db.Jobs.AnyAsync(j => j.Id == id, cancellationToken))
        {
            return null;
        }

        return await db.JobErrors.AsNoTracking()
            .Where(e => e.JobId == id && (after == null || e.Id > after))
            .OrderBy(e => e.Id).Take(limit)
            .Select(e => new JobErrorView(e.Id, e.Position, e.Reason, e.Detail, e.LegacyId, e.Email))
            .ToListAsync(cancellationToken);
    }

    public Task<JobChange> PauseAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [JobState.Pending, JobState.Running], JobState.Paused, cancellationToken);

    public async Task<JobChange> ResumeAsync(Guid id, CancellationToken cancellationToken)
    {
        var change = await ChangeAsync(id, [JobState.Paused], JobState.Pending, cancellationToken);
        if (change is JobChange.Done)
        {
            runner.Wake();
        }

        return change;
    }

    public Task<JobChange> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [JobState.Pending, JobState.Running, JobState.Paused], JobState.Cancelled, cancellationToken);

    private async Task<JobChange> ChangeAsync(Guid id, JobState[] from, JobState to, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? finished = to == JobState.Cancelled ? now : null;
        var changed = await db.Jobs.Where(j => j.Id == id && from.Contains(j.State)).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, to)
            .SetProperty(j => j.UpdatedAt, now)
            .SetProperty(j => j.FinishedAt, j => finished ?? j.FinishedAt)
            // The lease ends with the state change: a resumed job is free for any node at once.
            .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        var job = await GetAsync(id, cancellationToken);
        return job is null ? new JobChange.NotFound() : changed == 0 ? new JobChange.NotAllowed(job.State) : new JobChange.Done(job);
    }

    private async Task<Dictionary<string, long>> RefusedByReasonAsync(Guid id, CancellationToken cancellationToken) =>
        await db.JobErrors.Where(e => e.JobId == id).GroupBy(e => e.Reason)
            .Select(g => new { Reason = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(r => r.Reason, r => r.Count, cancellationToken);

    private static (DateTimeOffset At, Guid Id)? ParseCursor(string? cursor)
    {
        var parts = cursor?.Split('_');
        return parts is [var ticks, var id] && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            && t is >= 0 and <= 3155378975999999999 && Guid.TryParseExact(id, "N", out var guid)
            ? (new DateTimeOffset(t, TimeSpan.Zero), guid)
            : null;
    }
}
