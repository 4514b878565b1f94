namespace LazyMigrate.Scripting;

/// <summary>Everything the sandbox needs to run a connection's scripts. Secrets arrive decrypted and are redacted from logs.</summary>
public sealed record LegacyConnection
{
    /// <summary>Stable name; keys the per-connection bulkhead and circuit breaker.</summary>
    public required string Name { get; init; }

    public LegacyDatabaseProvider DatabaseProvider { get; init; } = LegacyDatabaseProvider.None;

    public string? DatabaseConnectionString { get; init; }

    public string? LoginScript { get; init; }

    public string? GetUserScript { get; init; }

    public string? CountUsersScript { get; init; }

    public string? ListUsersScript { get; init; }

    /// <summary>Exposed to scripts as <c>configuration</c> (alias <c>env</c>), read-only.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Keys of <see cref="Settings"/> whose values are secrets: never logged, redacted from captured script logs.</summary>
    public IReadOnlySet<string> SecretSettings { get; init; } = new HashSet<string>();

    /// <summary>Hosts scripts may reach with <c>http.request</c> or a connection string of their own (besides the legacy database host).</summary>
    public IReadOnlyList<string> HttpAllowList { get; init; } = [];

    public ScriptLimits Limits { get; init; } = new();
}

public enum LegacyDatabaseProvider
{
    None,
    Postgres,
    MySql,
    SqlServer,
    Sqlite,
}

/// <summary>Hard limits for one script call, with safe defaults.</summary>
public sealed record ScriptLimits
{
    /// <summary>Wall-clock deadline for the whole call, awaited host calls (database, HTTP) included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public long MaxStatements { get; init; } = 1_000_000;

    public long MaxMemoryBytes { get; init; } = 32 * 1024 * 1024;

    public int MaxRecursionDepth { get; init; } = 256;

    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Bulkhead: calls running at once against this connection's legacy system.</summary>
    public int MaxConcurrentCalls { get; init; } = 32;

    /// <summary>Bulkhead: calls allowed to wait for a slot; beyond it, calls fail fast as <see cref="ScriptFailureReason.LegacyUnavailable"/>.</summary>
    public int MaxQueuedCalls { get; init; } = 1024;

    /// <summary>Circuit breaker: share of calls failing for the legacy system's sake that opens the circuit.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Circuit breaker: calls in the sampling window before the ratio counts.</summary>
    public int BreakerMinimumThroughput { get; init; } = 10;

    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long calls fail fast as <see cref="ScriptFailureReason.LegacyUnavailable"/> once open.</summary>
    public TimeSpan BreakerDuration { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What a script sees as <c>context</c>.</summary>
public sealed record ScriptContext
{
    public string? ClientId { get; init; }

    public string? Ip { get; init; }

    public string? RequestId { get; init; }

    /// <summary>How the person is signing in (Authing's <c>context.protocol</c>); <c>oidc</c> when not given.</summary>
    public string? Protocol { get; init; }

    /// <summary>True for "Try" runs from the console, API or CLI: the caller imports nothing.</summary>
    public bool DryRun { get; init; }
}
