using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using LazyMigrate.Scripting.Host;
using LazyMigrate.Scripting.Legacy;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>
/// One script call: its engine, its deadline, its log and the bridge that runs host work (database, HTTP, slow
/// hashes) off the engine thread. Created per call and dropped with it; nothing here outlives the call.
/// </summary>
internal sealed class ScriptCall
{
    private readonly JsValue _then;
    private readonly Lock _hashLock = new();
    private Task _hashes = Task.CompletedTask;
    private int _pendingHostCalls;
    private int _runningHostWork;
    private int _legacyFault;
    private long _legacyIoTicks;
    private string? _failedLegacyCall;

    public ScriptCall(Engine engine, LegacyConnection connection, ScriptLogCollector log, ScriptServices services, CancellationToken deadline)
    {
        Engine = engine;
        Connection = connection;
        Deadline = deadline;
        Log = log;
        Services = services;

        // Captured before any script code runs: a script that replaces Promise.prototype.then must not be able to
        // intercept host results (it could only hurt its own call, but the host should not depend on script state).
        _then = engine.GetValue("Promise").Get("prototype").Get("then");
    }

    public Engine Engine { get; }

    public LegacyConnection Connection { get; }

    public CancellationToken Deadline { get; }

    public ScriptLogCollector Log { get; }

    public ScriptServices Services { get; }

    /// <summary>The Node-compatible modules, once a script has asked for one.</summary>
    public Jint.Native.Object.ObjectInstance? CompatExports { get; set; }

    /// <summary>Databases a script opened with connection details of its own (pg/mysql shims), by handle.</summary>
    public Dictionary<string, (LegacyDatabaseProvider Provider, string ConnectionString)> OpenedDatabases { get; } = new(StringComparer.Ordinal);

    /// <summary>True while a database or HTTP call is in flight: a deadline hit then is the legacy system's fault.</summary>
    public bool LegacyCallInFlight => Volatile.Read(ref _pendingHostCalls) > 0;

    /// <summary>A legacy call failed in a way that says the legacy system is unreachable (not a bad query).</summary>
    public bool LegacyFault => Volatile.Read(ref _legacyFault) != 0;

    public void MarkLegacyFault() => Interlocked.Exchange(ref _legacyFault, 1);

    /// <summary>Time spent in this call's database and HTTP calls so far, added up.</summary>
    public TimeSpan LegacyIo => Services.Time.GetElapsedTime(0, Volatile.Read(ref _legacyIoTicks));

    /// <summary>
    /// What the first database or HTTP call of this run that failed said (any failure: unreachable, refused
    /// credentials, a missing table, a 5xx answer), or null when none failed. A run with a failed legacy call never
    /// yields a verdict about the user: scripts rewrap or swallow errors, so what they report afterwards is a guess.
    /// </summary>
    public string? FailedLegacyCall => Volatile.Read(ref _failedLegacyCall);

    public void MarkLegacyCallFailed(string description) => Interlocked.CompareExchange(ref _failedLegacyCall, Log.Redact(description), null);

    /// <summary>True while any host work (query, request, hash) this call started has not finished.</summary>
    public bool HostWorkInFlight => Volatile.Read(ref _runningHostWork) > 0;

    /// <summary>
    /// Runs a password hash on the thread pool, one at a time per call: a hash's memory is its own cap (argon2 and
    /// scrypt at most 256 MiB), and hashes started together (Promise.all of six argon2 checks) must not multiply it.
    /// The gate is held until the hash really ends, even past the deadline, since a running hash cannot be stopped.
    /// </summary>
    public Task<T> HashAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        lock (_hashLock)
        {
            // Each hash runs after the previous one really ended; one whose turn comes after the deadline never starts.
            var next = _hashes.ContinueWith(
                _ =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return hash();
                },
                CancellationToken.None,
                TaskContinuationOptions.DenyChildAttach,
                TaskScheduler.Default);
            _hashes = next;
            return next;
        }
    }

    /// <summary>
    /// Starts host work and returns a Promise for its result. The work runs on the thread pool with the call's
    /// deadline; its result becomes a JS value, or its failure a clean JS <c>Error</c>, only on the engine thread
    /// (inside a <c>then</c> reaction), because Jint objects must not be built concurrently with the engine.
    /// </summary>
    public JsValue StartAsync<T>(Func<CancellationToken, Task<T>> work, Func<Engine, T, JsValue> toJs, bool legacy = false)
    {
        Task<T> task;
        var started = Services.Time.GetTimestamp();
        Interlocked.Increment(ref _runningHostWork);
        if (legacy)
        {
            Interlocked.Increment(ref _pendingHostCalls);
        }

        try
        {
            task = work(Deadline);
        }
        catch (Exception ex)
        {
            task = Task.FromException<T>(ex);
        }

        // Only a wake-up that never faults and carries nothing crosses into Jint's task interop: a faulted task
        // would reach the script as a wrapped .NET exception. Jint settles it through its event loop (settling a
        // manual promise from this thread instead drains the loop here, racing the waiting engine thread).
        var wake = task.ContinueWith(
            (completed, state) =>
            {
                var call = (ScriptCall)state!;
                Interlocked.Decrement(ref call._runningHostWork);
                if (legacy)
                {
                    Interlocked.Add(ref call._legacyIoTicks, call.Services.Time.GetTimestamp() - started);
                    Interlocked.Decrement(ref call._pendingHostCalls);
                    if (completed.Exception?.InnerException is { } error)
                    {
                        call.MarkLegacyCallFailed(call.Describe(error));
                        if (LegacyFaults.IsUnavailable(error))
                        {
                            call.MarkLegacyFault();
                        }
                    }
                    else if (completed.IsCanceled)
                    {
                        call.MarkLegacyCallFailed(call.Describe(new OperationCanceledException()));
                    }
                }

                return (object?)null;
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        var convert = new ClrFunction(Engine, "", (_, _) =>
        {
            if (task.IsCompletedSuccessfully)
            {
                return toJs(Engine, task.Result);
            }

            var error = task.Exception?.InnerException ?? new OperationCanceledException();
            if (legacy && error is OperationCanceledException && Deadline.IsCancellationRequested)
            {
                // Whichever notices the deadline first, the engine or the driver, the admin hears the same thing.
                throw new JavaScriptException(Engine.Intrinsics.Error, "the legacy system did not answer within the call's deadline");
            }

            throw ToScriptError(error);
        }, 0, PropertyFlag.Configurable);

        return _then.Call(JsValue.FromObject(Engine, wake), [convert]);
    }

    /// <summary>
    /// A Promise of true once <paramref name="milliseconds"/> have passed, or of false when the call's deadline comes
    /// first (setTimeout). Not host work: a timer left pending when the call ends burns nothing, so it must not
    /// retire the worker the way a still-running hash does.
    /// </summary>
    public JsValue Delay(double milliseconds)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Clamp(double.IsNaN(milliseconds) ? 0 : milliseconds, 0, int.MaxValue));
        var timer = Task.Delay(delay, Services.Time, Deadline);
        var wake = timer.ContinueWith(_ => (object?)null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var fired = new ClrFunction(Engine, "", (_, _) => timer.IsCompletedSuccessfully ? JsBoolean.True : JsBoolean.False, 0, PropertyFlag.Configurable);
        return _then.Call(JsValue.FromObject(Engine, wake), [fired]);
    }

    /// <summary>Creates a host function whose .NET failures reach the script as plain JS errors.</summary>
    public ClrFunction Function(string name, Func<JsValue[], JsValue> body, int length = 0) =>
        new(Engine, name, (_, arguments) =>
        {
            try
            {
                return body(arguments);
            }
            catch (JavaScriptException)
            {
                throw;
            }
            catch (Exception ex) when (ex is not (StatementsCountOverflowException or MemoryLimitExceededException or RecursionDepthOverflowException or ExecutionCanceledException))
            {
                throw ToScriptError(ex);
            }
        }, length, PropertyFlag.Configurable);

    /// <summary>
    /// Maps a host failure to a JS Error carrying a message only: no .NET type names, stack traces or inner
    /// exceptions reach the script (they would tell an attacker about the host and clutter the admin's view).
    /// </summary>
    public JavaScriptException ToScriptError(Exception ex) => new(Engine.Intrinsics.Error, Log.Redact(Describe(ex)));

    private string Describe(Exception ex)
    {
        var message = ex switch
        {
            ScriptHostException or Crypto.LegacyHashFormatException => ex.Message,
            OperationCanceledException when Deadline.IsCancellationRequested => "the call's deadline passed",
            OperationCanceledException => "the operation was cancelled",
            System.Data.Common.DbException db => "database error: " + db.Message,
            HttpRequestException http => "HTTP request failed: " + http.Message,
            TimeoutException => "the operation timed out",
            _ => "host operation failed",
        };

        if (message == "host operation failed")
        {
            Services.Logger.LogWarning(ex, "Host operation failed in a script of connection {Connection}", Connection.Name);
        }

        return message;
    }
}
