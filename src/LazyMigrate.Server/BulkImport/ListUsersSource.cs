using System.Runtime.CompilerServices;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// A pull import's source: the connection's <c>listUsers</c> script, page after page, at the job's page size. The
/// job's rate is kept by <see cref="UserImportWork"/>, which asks for the next page only when it is due (one pace for
/// every source, so a pull is never slowed twice). Every call goes through <see cref="ILegacyUserScripts"/>, so inside the connection's
/// bulkhead and circuit breaker like a sign-in's. A legacy system that fails (down, slow, a script error from its
/// driver) is asked again with backoff while the job stays running; only when the retries are spent does the job fail,
/// with the script's reason (scripts' messages are redacted of secrets, and no password is involved here).
/// </summary>
public sealed class ListUsersSource(
    Job job,
    LegacyConnectionCatalog catalog,
    ILegacyUserScripts scripts,
    PullImportOptions options,
    ILogger<ListUsersSource> logger,
    TimeProvider time) : IUserSource
{
    /// <summary>The checkpoint after the last page: a resumed job reads nothing more.</summary>
    public const string EndCheckpoint = "end";

    /// <summary>Prefix of a checkpoint that names the cursor of the next page.</summary>
    public const string CursorCheckpointPrefix = "cursor:";

    private readonly PullImportSettings _settings = PullImportSettings.Read(job.Options);

    public async Task<long?> CountAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(connection.CountUsersScript))
        {
            return null;
        }

        // Only an estimate for progress: a count that fails leaves the total unknown, it never fails the job.
        var result = await scripts.CountUsersAsync(connection, Context(), cancellationToken);
        return result.Outcome is ScriptOutcome.Counted counted ? counted.Users : null;
    }

    public async IAsyncEnumerable<ImportPage> ReadAsync(string? checkpoint, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (checkpoint == EndCheckpoint)
        {
            yield break;
        }

        var cursor = checkpoint is null ? null
            : checkpoint.StartsWith(CursorCheckpointPrefix, StringComparison.Ordinal) ? checkpoint[CursorCheckpointPrefix.Length..]
            : throw new JobFailedException($"the job's checkpoint '{checkpoint}' is not a listUsers cursor");
        var connection = await ConnectionAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(connection.ListUsersScript))
        {
            throw new JobFailedException($"connection '{connection.Name}' has no listUsers script");
        }

        var pageSize = _settings.PageSize;
        var retry = RetryPipeline(connection.Name);
        while (true)
        {
            var asked = cursor;
            var result = await retry.ExecuteAsync(
                async token => await scripts.ListUsersAsync(connection, asked, pageSize, Context(), token),
                cancellationToken);
            if (result.Outcome is not ScriptOutcome.Listed listed)
            {
                var failed = result.Outcome as ScriptOutcome.Failed;
                throw new JobFailedException(
                    $"listUsers failed after {cursor ?? "the start"} ({failed?.Reason.ToString() ?? result.Outcome.GetType().Name}): {failed?.Message}");
            }

            if (listed.NextCursor is not null && listed.NextCursor == cursor)
            {
                throw new JobFailedException($"listUsers answered the cursor '{cursor}' it was given as the next one; the import would never end");
            }

            // A refused row's position is kept in 200 characters: a long cursor is shortened, the entry number never.
            var position = "cursor " + (cursor is null ? "(start)" : cursor.Length > 160 ? cursor[..160] + "…" : cursor) + ", entry ";
            var rows = listed.Users.Select((user, i) => new ImportRow(
                position + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                user.Profile,
                user.PasswordHash,
                user.Refusal)).ToList();
            yield return new ImportPage(rows, listed.NextCursor is null ? EndCheckpoint : CursorCheckpointPrefix + listed.NextCursor);
            if (listed.NextCursor is null)
            {
                yield break;
            }

            cursor = listed.NextCursor;
        }
    }

    private ResiliencePipeline<ScriptResult> RetryPipeline(string connection) =>
        new ResiliencePipelineBuilder<ScriptResult> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<ScriptResult>
            {
                // Whatever may pass: the legacy system down or slow, its breaker open, a crashed sandbox, a driver's
                // error surfacing as a script error. A malformed page or a missing script stays wrong: no retry.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Outcome is ScriptOutcome.Failed
                {
                    Reason: ScriptFailureReason.LegacyUnavailable or ScriptFailureReason.Timeout
                        or ScriptFailureReason.SandboxCrashed or ScriptFailureReason.ScriptError,
                }),
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    var failed = (ScriptOutcome.Failed)args.Outcome.Result!.Outcome;
                    logger.LogWarning(
                        "listUsers of connection {Connection} failed ({Reason}) for job {JobId}; retry {Attempt} of {Retries} in {Delay} ms",
                        connection, failed.Reason, job.Id, args.AttemptNumber + 1, options.Retries, (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private async Task<LegacyConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        // Only an Importing connection runs scripts: a disconnected legacy system is never asked again.
        var importing = await catalog.ImportingAsync(cancellationToken);
        return importing.FirstOrDefault(c => string.Equals(c.Name, job.Connection, StringComparison.Ordinal))?.Definition
            ?? throw new JobFailedException($"connection '{job.Connection}' does not exist or is not Importing; its scripts do not run");
    }

    private ScriptContext Context() => new() { RequestId = "job:" + job.Id };
}

/// <summary>Makes the <see cref="ListUsersSource"/> of a pull import (<see cref="Job.Source"/> <c>listUsers</c>).</summary>
public sealed class ListUsersSourceFactory(
    LegacyConnectionCatalog catalog,
    ILegacyUserScripts scripts,
    IOptions<PullImportOptions> options,
    ILogger<ListUsersSource> logger,
    TimeProvider time) : IUserSourceFactory
{
    public const string Source = "listUsers";

    public IUserSource Create(Job job) => new ListUsersSource(job, catalog, scripts, options.Value, logger, time);
}

/// <summary>A pull import's pace and page, from its job's options (<see cref="ImportJobOptions"/>).</summary>
/// <param name="Rate">Users per second at most; null: as fast as the legacy system answers.</param>
public sealed record PullImportSettings(int? Rate, int PageSize)
{
    public static PullImportSettings Read(string? options)
    {
        var job = ImportJobOptions.Read(options);
        // A script's page is capped lower than a file's: each is one call, inside one deadline, into one worker.
        return new PullImportSettings(job.Rate is { } rate ? Math.Max(1, rate) : null, Math.Clamp(job.PageSize, 1, ListUsersLimits.MaxPageSize));
    }
}
