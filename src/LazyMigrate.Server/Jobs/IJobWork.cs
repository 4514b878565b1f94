namespace LazyMigrate.Server.Jobs;

/// <summary>
/// What a job of one <see cref="JobKind"/> does, registered keyed by its kind. The job runner holds the lease and
/// calls it; the work moves <see cref="Job.Checkpoint"/> and the counts forward as it commits, and returns when the
/// job is done or <paramref name="cancellationToken"/> says stop (pause, cancel, lease lost, shutdown), after which a
/// later call resumes from the checkpoint.
/// </summary>
public interface IJobWork
{
    Task RunAsync(Job job, CancellationToken cancellationToken);
}
