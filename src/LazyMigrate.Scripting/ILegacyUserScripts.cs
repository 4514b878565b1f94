namespace LazyMigrate.Scripting;

/// <summary>
/// The one door between the server and the sandbox. The server hands over a connection (scripts, settings, legacy
/// database, limits) and gets back a closed set of outcomes; script behaviour never surfaces as an exception.
/// </summary>
public interface ILegacyUserScripts
{
    /// <summary>Runs the connection's <c>login</c> script: does the legacy system accept this identifier and password?</summary>
    Task<ScriptResult> LoginAsync(LegacyConnection connection, string identifier, string password, ScriptContext context, CancellationToken cancellationToken = default);

    /// <summary>Runs the connection's <c>getUser</c> script: does the legacy system know this identifier?</summary>
    Task<ScriptResult> GetUserAsync(LegacyConnection connection, string identifier, ScriptContext context, CancellationToken cancellationToken = default);

    /// <summary>Runs the connection's optional <c>countUsers</c> script: how many users does the legacy system hold?</summary>
    Task<ScriptResult> CountUsersAsync(LegacyConnection connection, ScriptContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the connection's optional <c>listUsers</c> script: the page of at most <paramref name="limit"/> users after
    /// <paramref name="cursor"/> (null: the first page), for a pull import.
    /// </summary>
    Task<ScriptResult> ListUsersAsync(LegacyConnection connection, string? cursor, int limit, ScriptContext context, CancellationToken cancellationToken = default);

    /// <summary>Parses a script without running it; syntax errors come back with line and column.</summary>
    ScriptValidation Validate(string source);
}

/// <summary>What the sandbox can say about each legacy connection's protection right now.</summary>
public interface ILegacyConnectionLoad
{
    /// <summary>Each connection called since the process started: calls running and waiting in its bulkhead, its breaker's state.</summary>
    IReadOnlyList<LegacyConnectionLoad> CurrentLoad();
}

/// <summary>One connection's bulkhead and circuit breaker at one moment.</summary>
public sealed record LegacyConnectionLoad(string Connection, int InUse, int Queued, LegacyCircuitState Circuit);

/// <summary>A connection's circuit breaker: closed (calls go through), open (calls fail fast), half-open (one trial call).</summary>
public enum LegacyCircuitState
{
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}
