using LazyMigrate.Scripting.Resilience;
using LazyMigrate.Scripting.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace LazyMigrate.Scripting.Workers;

/// <summary>
/// <see cref="ILegacyUserScripts"/> over the pool of sandbox worker processes: the connection's bulkhead and circuit
/// breaker stay here, in the caller (queueing and fail-fast are as they were in-process), then the call goes to a
/// worker with the rest of its deadline. A worker that dies during the call ends it as
/// <see cref="ScriptFailureReason.SandboxCrashed"/>; one still silent at the deadline plus the grace is killed and the
/// call ends as <see cref="ScriptFailureReason.Timeout"/>. Either way the next call gets a healthy worker.
/// </summary>
public sealed class SandboxedLegacyUserScripts : ILegacyUserScripts, ILegacyConnectionLoad
{
    private readonly SandboxWorkerPool _pool;
    private readonly LegacyConnectionGuards _guards;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _nextId;

    /// <param name="clusterSlots">Slots shared with the other nodes (see <see cref="IClusterCallSlots"/>); null keeps the bulkhead per process.</param>
    public SandboxedLegacyUserScripts(SandboxWorkerPool pool, TimeProvider? timeProvider = null, ILogger<SandboxedLegacyUserScripts>? logger = null, IClusterCallSlots? clusterSlots = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<SandboxedLegacyUserScripts>.Instance;
        _guards = new LegacyConnectionGuards(_time, clusterSlots);
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

    public ScriptValidation Validate(string source) => LegacyUserScripts.ValidateScript(source);

    private async Task<ScriptResult> RunAsync(LegacyConnection connection, ScriptKind kind, string? identifier, string? password, int limit, ScriptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        var started = _time.GetTimestamp();
        // One deadline for the whole call: the bulkhead's queue and the wait for a free worker count against it too.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(connection.Limits.Timeout);
        ScriptResult result;
        try
        {
            var run = await _guards.RunAsync(
                connection,
                token => DispatchAsync(connection, kind, identifier, password, limit, context, started, token, cancellationToken),
                deadline.Token);
            result = run.Result;
        }
        catch (BrokenCircuitException)
        {
            result = LegacyUserScripts.Unavailable("the legacy system failed repeatedly; calls are paused for a while", _time.GetElapsedTime(started));
        }
        catch (RateLimiterRejectedException)
        {
            result = LegacyUserScripts.Unavailable("too many calls are already waiting for this legacy system", _time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new ScriptResult(
                new ScriptOutcome.Failed(ScriptFailureReason.Timeout, "no free slot or sandbox for this legacy system before the call's deadline"),
                [],
                _time.GetElapsedTime(started));
        }

        result = LegacyUserScripts.Finish(result, connection, kind, context, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested, _logger);
        return result;
    }

    private async Task<ScriptRun> DispatchAsync(
        LegacyConnection connection,
        ScriptKind kind,
        string? identifier,
        string? password,
        int limit,
        ScriptContext context,
        long started,
        CancellationToken deadline,
        CancellationToken cancellationToken)
    {
        SandboxWorkerProcess worker;
        try
        {
            worker = await _pool.AcquireAsync(deadline);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or System.ComponentModel.Win32Exception)
        {
            _logger.LogError(ex, "No sandbox worker could be started for connection {Connection}", connection.Name);
            return Crashed("no sandbox process could be started; see the server log", started);
        }

        var remaining = connection.Limits.Timeout - _time.GetElapsedTime(started);
        if (remaining <= TimeSpan.Zero)
        {
            _pool.Release(worker, unfit: false);
            throw new OperationCanceledException(deadline);
        }

        var id = Interlocked.Increment(ref _nextId);
        var request = new WorkerRequest
        {
            Id = id,
            Kind = kind,
            Connection = WireConnection.From(connection, remaining),
            Identifier = identifier,
            Password = password,
            Limit = limit,
            Context = context,
            TimeoutMs = remaining.TotalMilliseconds,
        };
        var redactor = new ScriptLogCollector(connection.SecretSettings.Select(key => connection.Settings.GetValueOrDefault(key)).Append(password), _time);

        // The watchdog: the worker's own deadline should end the call; if the worker cannot (an engine built-in that
        // never checks it, a blocked thread), it is killed at the deadline plus the grace.
        using var watchdog = new CancellationTokenSource(remaining + _pool.Options.KillGrace, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(watchdog.Token, cancellationToken);
        // Every path gives the worker back exactly once: in the finally, or after a cancelled caller's call has ended.
        var unfit = true;
        var handedOver = false;
        try
        {
            var reply = await worker.CallAsync(request, redactor, waiting.Token);
            unfit = reply.Unfit;
            var outcome = reply.Outcome?.ToOutcome() ?? new ScriptOutcome.Failed(ScriptFailureReason.SandboxCrashed, "the sandbox answered without an outcome");
            return new ScriptRun(
                new ScriptResult(outcome, reply.Logs ?? [], _time.GetElapsedTime(started)) { LegacyIo = TimeSpan.FromMilliseconds(reply.LegacyIoMs) },
                reply.LegacyFault,
                reply.Unfit);
        }
        catch (SandboxWorkerExitedException)
        {
            var reason = redactor.Redact(await worker.DescribeExitAsync());
            if (worker.WasKilled)
            {
                // Killed from here (the pool shutting down); not the script's doing.
                return Crashed($"the sandbox process was stopped ({reason})", started);
            }

            _pool.ReportCrash(worker, reason);
            return Crashed(
                reason.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase)
                    ? $"the script overflowed the engine's stack and its sandbox process died ({reason}); typical causes are values nested thousands deep (JSON.stringify, join, flat) or a long class or proxy chain"
                    : $"the script's sandbox process died during the call ({reason})",
                started);
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _pool.KillOverdue(worker);
            return new ScriptRun(
                new ScriptResult(
                    new ScriptOutcome.Failed(ScriptFailureReason.Timeout, $"the script did not stop at the call's deadline of {connection.Limits.Timeout.TotalSeconds:0.###} s; its sandbox process was killed"),
                    [],
                    _time.GetElapsedTime(started)),
                false,
                true);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up. The worker is still busy: ask it to stop, and let it back into the pool only once
            // it has answered (or kill it at the deadline plus the grace).
            handedOver = true;
            _ = worker.CancelAsync(id);
            _ = ReleaseWhenDoneAsync(worker, remaining + _pool.Options.KillGrace);
            throw;
        }
        finally
        {
            if (!handedOver)
            {
                _pool.Release(worker, unfit);
            }
        }
    }

    private async Task ReleaseWhenDoneAsync(SandboxWorkerProcess worker, TimeSpan within)
    {
        var pending = worker.Pending;
        var unfit = true;
        try
        {
            if (pending is not null)
            {
                var reply = await pending.WaitAsync(within, _time);
                unfit = reply.Unfit;
            }
        }
        catch (TimeoutException)
        {
            _pool.KillOverdue(worker);
        }
        catch (SandboxWorkerExitedException)
        {
            // Died on its own; released below as unfit.
        }

        _pool.Release(worker, unfit);
    }

    private ScriptRun Crashed(string message, long started) =>
        new(new ScriptResult(new ScriptOutcome.Failed(ScriptFailureReason.SandboxCrashed, message), [], _time.GetElapsedTime(started)), false, true);
}
