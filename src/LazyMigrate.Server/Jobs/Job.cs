namespace LazyMigrate.Server.Jobs;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<JobKind>))]
public enum JobKind
{
    /// <summary>Users brought in bulk from a file or from the connection's <c>listUsers</c> script.</summary>
    UsersImport,

    /// <summary>Every user written out as JSON Lines in Auth0's import shape.</summary>
    UsersExport,

    /// <summary>A reset link emailed, at a set pace, to every bulk-imported user who has no usable password yet.</summary>
    ResetCampaign,
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<JobState>))]
public enum JobState
{
    Pending,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>
/// A long piece of work any node may run, one node at a time: the node holding the lease
/// (<see cref="LeaseOwner"/> until <see cref="LeaseUntil"/>) works on it and moves <see cref="Checkpoint"/> forward in
/// the transaction of each batch it writes, so after a crash another node resumes exactly where it stopped.
/// </summary>
public sealed class Job
{
    public Guid Id { get; set; }

    public JobKind Kind { get; set; }

    public JobState State { get; set; }

    /// <summary>The legacy connection an import belongs to (its users get identities there); null for an export.</summary>
    public string? Connection { get; set; }

    /// <summary>Where the users come from: <c>file</c> or <c>listUsers</c>; <c>users</c> for an export.</summary>
    public required string Source { get; set; }

    /// <summary>The file's format (auth0, jsonl, fusionauth, csv), named or detected.</summary>
    public string? Format { get; set; }

    /// <summary>The job's options as JSON (jsonb): rate, page size, CSV column mapping, reset emails...</summary>
    public string? Options { get; set; }

    /// <summary>How far the source has been read and written, as the source understands it (a row count, a cursor).</summary>
    public string? Checkpoint { get; set; }

    public long Processed { get; set; }

    public long Created { get; set; }

    public long Linked { get; set; }

    /// <summary>Rows whose user is already here (imported lazily, or by an earlier run): left as they are.</summary>
    public long Skipped { get; set; }

    public long Refused { get; set; }

    /// <summary>How many rows the source holds, when it can tell (for progress and the estimated finish).</summary>
    public long? Total { get; set; }

    /// <summary>Why the job failed, for the administrator (never a hash or a password).</summary>
    public string? Error { get; set; }

    /// <summary>Who started it: the API client or console administrator.</summary>
    public required string RequestedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>PostgreSQL's xmin: a state change (pause, cancel) and a runner's checkpoint never overwrite each other.</summary>
    public uint Version { get; set; }
}

/// <summary>
/// A job's file, in pieces of at most a few megabytes: the upload of an import, the output of an export. Kept in
/// PostgreSQL so every node can read it, whichever node received it.
/// </summary>
public sealed class JobFileChunk
{
    public Guid JobId { get; set; }

    public int Index { get; set; }

    public required byte[] Data { get; set; }
}

/// <summary>A row an import refused, with where it was and why (never its hash).</summary>
public sealed class JobError
{
    public long Id { get; set; }

    public Guid JobId { get; set; }

    /// <summary>The line of the file (or the page's cursor) the row came from.</summary>
    public required string Position { get; set; }

    /// <summary>A short code to count by (InvalidHash, WorkFactorOverCap, MissingEmail, Deleted, ...).</summary>
    public required string Reason { get; set; }

    /// <summary>The reason in words, for the administrator.</summary>
    public string? Detail { get; set; }

    public string? LegacyId { get; set; }

    public string? Email { get; set; }
}
