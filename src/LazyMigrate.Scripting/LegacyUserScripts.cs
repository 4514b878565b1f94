using LazyMigrate.Scripting.Legacy;
using LazyMigrate.Scripting.Resilience;
using LazyMigrate.Scripting.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace LazyMigrate.Scripting;

/// <summary>
/// The sandbox behind <see cref="ILegacyUserScripts"/>: each call runs in a fresh Jint engine from a cached parsed
/// script, inside its connection's bulkhead and circuit breaker, within one deadline. Thread-safe; register one
/// instance per process (it holds the script cache, the per-connection guards and the HTTP client).
/// </summary>
public sealed class LegacyUserScripts : ILegacyUserScripts, ILegacyConnectionLoad
{
    private readonly ScriptRunner _runner;
    private readonly LegacyConnectionGuards _guards;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="databases">Opens legacy databases; the default uses the ADO.NET drivers.</param>
    /// <param name="httpClient">
    /// Client for <c>http.request</c>; it must not follow redirects (the default does not), since a redirect could
    /// lead off the connection's allow-list.
    /// </param>
    public LegacyUserScripts(
        ILegacyDatabaseFactory? databases = null,
        HttpClient? httpClient = null,
        TimeProvider? timeProvider = null,
        ILogger<LegacyUserScripts>? logger = null)
    {
        var time = _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<LegacyUserScripts>.Instance;
        _runner = new ScriptRunner(new ScriptServices(
            databases ?? new LegacyDatabaseFactory(),
            new LegacyHttpClient(httpClient ?? LegacyHttpClient.CreateDefaultClient()),
            new PreparedScriptCache(),
            time,
            _logger));
        _guards = new LegacyConnectionGuards(time);
    }

    public Task<ScriptResult> LoginAsync(LegacyConnection connection, string identifier, string password, ScriptContext context, CancellationToken cancellationToken = default) =>
        RunAsync(connection, ScriptKind.Login, identifier, password, 0, context, cancellationToken);

    public Task<ScriptResult> GetUserAsync(LegacyConnection connection, string identifier, ScriptContext context, CancellationToken cancellationToken = default) =>
        RunAsync(connection, ScriptKind.GetUser, identifier, null, 0, context, cancellationToken);

    public Task<ScriptResult> CountUsersAsync(LegacyConnection connection, ScriptContext context, CancellationToken cancellationToken = default) =>
        RunAsync(connection, ScriptKind.CountUsers, null, null, 0, context, cancellationToken);

    public Task<ScriptResult> ListUsersAsync(LegacyConnection connection, string? cursor, int limit, ScriptContext context, CancellationToken cancellationToken = default) =>
        RunAsync(connection, ScriptKind.ListUsers, cursor, null, Math.Clamp(limit, 1, ListUsersLimits.MaxPageSize), context, cancellationToken);

    public IReadOnlyList<LegacyConnectionLoad> CurrentLoad() => _guards.CurrentLoad();

    public ScriptValidation Validate(string source) => ValidateScript(source);

    /// <summary>Parses without running; usable without an instance (the CLI's <c>script check</c>).</summary>
    public static ScriptValidation ValidateScript(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var entry = PreparedScriptCache.Prepare(source);
        if (entry.Error is { } error)
        {
            return new ScriptValidation(false, [error]);
        }

        var functions = entry.Script!.Functions.Keys;
        return functions.Any(name => name is "login" or "getUser" or "getByEmail" or "loginByEmail" or "countUsers" or "listUsers")
            ? new ScriptValidation(true, [])
            : new ScriptValidation(false, [new ScriptSyntaxError("the script defines none of login, getUser (getByEmail), countUsers or listUsers at its top level", 1, 1)]);
    }

    private async Task<ScriptResult> RunAsync(LegacyConnection connection, ScriptKind kind, string? identifier, string? password, int limit, ScriptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        var started = _time.GetTimestamp();
        // One deadline for the whole call: waiting in the bulkhead queue counts against it too.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(connection.Limits.Timeout);
        ScriptResult result;
        try
        {
            var run = await _guards.RunAsync(
                connection,
                token => _runner.RunAsync(connection, kind, identifier, password, limit, context, token, cancellationToken),
                deadline.Token);
            result = run.Result;
        }
        catch (BrokenCircuitException)
        {
            result = Unavailable("the legacy system failed repeatedly; calls are paused for a while", _time.GetElapsedTime(started));
        }
        catch (RateLimiterRejectedException)
        {
            result = Unavailable("too many calls are already waiting for this legacy system", _time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new ScriptResult(
                new ScriptOutcome.Failed(ScriptFailureReason.Timeout, "no free slot for this legacy system before the call's deadline"),
                [],
                _time.GetElapsedTime(started));
        }

        return Finish(result, connection, kind, context, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested, _logger);
    }

    /// <summary>What every way of running a call ends with: the deadline's own reason, and one log line.</summary>
    internal static ScriptResult Finish(ScriptResult result, LegacyConnection connection, ScriptKind kind, ScriptContext context, bool deadlinePassed, ILogger logger)
    {
        // A host call cut off by the deadline reaches the script as an Error it may rethrow; it is still a timeout.
        if (deadlinePassed && result.Outcome is ScriptOutcome.Failed { Reason: ScriptFailureReason.ScriptError } cut)
        {
            result = result with
            {
                Outcome = cut with { Reason = ScriptFailureReason.Timeout, Message = $"the call's deadline of {connection.Limits.Timeout.TotalSeconds:0.###} s passed ({cut.Message})" },
            };
        }

        // Never the identifier or the password: only what happened and how long it took.
        logger.LogInformation(
            "Script {Kind} for connection {Connection} ended {Outcome}{Reason} in {Duration} ms{DryRun}",
            kind,
            connection.Name,
            result.Outcome.GetType().Name,
            result.Outcome is ScriptOutcome.Failed failed ? " (" + failed.Reason + ")" : "",
            (long)result.Duration.TotalMilliseconds,
            context.DryRun ? " (dry run)" : "");
        return result;
    }

    internal static ScriptResult Unavailable(string message, TimeSpan duration) =>
        new(new ScriptOutcome.Failed(ScriptFailureReason.LegacyUnavailable, message), [], duration);
}
