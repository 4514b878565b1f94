using LazyMigrate.Scripting.Legacy;
using LazyMigrate.Scripting.Sandbox;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Workers;

/// <summary>
/// The loop inside a sandbox worker process (the LazyMigrate.Sandbox executable): read a call from stdin, run it
/// on the script thread with today's limits, write the reply to stdout; one call at a time. The process has no
/// state a call can leave behind for the next but its prepared-script cache (parsed scripts, keyed by their hash).
/// </summary>
public static class SandboxWorkerHost
{
    /// <summary>
    /// Stack of the script thread. Jint's own recursion limit (256 script frames by default) needs well under 1 MB;
    /// 4 MB leaves room for deep-but-legitimate host paths (JSON of a 32-level profile) while a runaway recursion
    /// inside the engine (JSON.stringify of 20,000 nested objects) still overflows quickly and ends only this process.
    /// </summary>
    public const int ScriptStackSize = 4 * 1024 * 1024;

    private const string WarmUpScript = "async function login(email, password, context) { log.info('warm'); return { id: '1', email: email }; }";

    /// <summary>Serves calls until <paramref name="input"/> ends (the server is gone); returns the process exit code.</summary>
    public static async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        var writer = new FrameWriter(output);
        var logger = new ForwardingLogger(writer);
        using var httpClient = LegacyHttpClient.CreateDefaultClient();
        var runner = new ScriptRunner(new ScriptServices(
            new LegacyDatabaseFactory(),
            new LegacyHttpClient(httpClient),
            new PreparedScriptCache(),
            TimeProvider.System,
            logger));
        using var thread = new ScriptThread(ScriptStackSize);

        // Warm: the first real call should not pay for JIT-compiling the engine and the host API.
        var warmUp = new LegacyConnection { Name = "warm-up", LoginScript = WarmUpScript };
        await thread.RunAsync(() => runner.RunAsync(warmUp, ScriptKind.Login, "warm@example.com", "warm", 0, new ScriptContext(), CancellationToken.None, CancellationToken.None));
        await writer.WriteAsync(new WorkerMessage { Type = WorkerMessageType.Ready, WorkingSetBytes = Environment.WorkingSet }, cancellationToken);

        using var slot = new CallSlot();
        using var release = new IdleRelease(slot);
        release.CallEnded();
        while (true)
        {
            var frame = await WorkerProtocol.ReadAsync(input, cancellationToken);
            if (frame is null)
            {
                return 0;
            }

            var request = WorkerProtocol.ReadRequest(frame);
            if (request.Cancel)
            {
                slot.Cancel(request.Id);
                continue;
            }

            if (!slot.TryTake(request.Id, out var cancelled))
            {
                // One call at a time is the rule that keeps a call's memory its own; the server never breaks it.
                await Console.Error.WriteLineAsync("sandbox worker: a call arrived while another was running");
                return 3;
            }

            _ = thread.RunAsync(() => ServeAsync(runner, writer, slot, release, request, cancelled));
        }
    }

    private static async Task<bool> ServeAsync(ScriptRunner runner, FrameWriter writer, CallSlot slot, IdleRelease release, WorkerRequest request, CancellationToken cancelled)
    {
        var connection = request.Connection!.ToConnection();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancelled);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(1, request.TimeoutMs)));
        ScriptRun run;
        try
        {
            run = await runner.RunAsync(connection, request.Kind, request.Identifier, request.Password, request.Limit, request.Context ?? new ScriptContext(), deadline.Token, cancelled);
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
        {
            run = new ScriptRun(new ScriptResult(new ScriptOutcome.Failed(ScriptFailureReason.Timeout, "the caller cancelled the call"), [], TimeSpan.Zero), false);
        }

        var reply = new WorkerMessage
        {
            Type = WorkerMessageType.Reply,
            Id = request.Id,
            Outcome = WireOutcome.From(run.Result.Outcome),
            Logs = [.. run.Result.Logs],
            DurationMs = run.Result.Duration.TotalMilliseconds,
            LegacyIoMs = run.Result.LegacyIo.TotalMilliseconds,
            LegacyFault = run.LegacyFault,
            Unfit = run.Unfit,
            WorkingSetBytes = Environment.WorkingSet,
        };
        // Free before the reply leaves: the server may send the next call the moment it reads it.
        slot.Free();
        await writer.WriteAsync(reply, CancellationToken.None);
        release.CallEnded();
        return true;
    }

    /// <summary>
    /// Gives back the memory of the calls just served once no call has come for a while. A worker otherwise keeps the
    /// heap its start and its busiest calls grew, and the pool keeps a warm worker for as long as the server runs, so
    /// it counts in the server's memory all that time (bench/README.md, "Seventh round").
    /// </summary>
    private sealed class IdleRelease(CallSlot slot) : IDisposable
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

        /// <summary>Allocated since the last release; below it a full collection would give back too little.</summary>
        private const long WorthBytes = 8 << 20;

        private readonly Lock _lock = new();
        private Timer? _timer;
        private long _atRelease;

        public void CallEnded()
        {
            lock (_lock)
            {
                _timer ??= new Timer(_ => Release());
                _timer.Change(Quiet, Timeout.InfiniteTimeSpan);
            }
        }

        private void Release()
        {
            // A call that arrived meanwhile waits out the collection; one that is running is not paused for it.
            if (slot.Busy || GC.GetTotalAllocatedBytes() - Interlocked.Read(ref _atRelease) < WorthBytes)
            {
                return;
            }

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Interlocked.Exchange(ref _atRelease, GC.GetTotalAllocatedBytes());
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _timer?.Dispose();
            }
        }
    }

    /// <summary>The one call a worker runs at a time, and the means to cancel it.</summary>
    private sealed class CallSlot : IDisposable
    {
        private readonly Lock _lock = new();
        private CancellationTokenSource? _cancel;
        private long _id;
        private bool _busy;

        public bool TryTake(long id, out CancellationToken cancelled)
        {
            lock (_lock)
            {
                cancelled = default;
                if (_busy)
                {
                    return false;
                }

                _busy = true;
                _id = id;
                _cancel?.Dispose();
                _cancel = new CancellationTokenSource();
                cancelled = _cancel.Token;
                return true;
            }
        }

        public void Cancel(long id)
        {
            lock (_lock)
            {
                if (_busy && _id == id)
                {
                    _cancel?.Cancel();
                }
            }
        }

        public bool Busy
        {
            get
            {
                lock (_lock)
                {
                    return _busy;
                }
            }
        }

        public void Free()
        {
            lock (_lock)
            {
                _busy = false;
            }
        }

        public void Dispose() => _cancel?.Dispose();
    }

    /// <summary>
    /// Writes whole frames to stdout; replies and log lines come from different threads. Synchronous: a pipe write
    /// of a few KB returns at once, and a hop to the thread pool per reply is latency on every login.
    /// </summary>
    private sealed class FrameWriter(Stream output)
    {
        private readonly Lock _lock = new();

        public Task WriteAsync(WorkerMessage message, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var payload = WorkerProtocol.Serialize(message);
            lock (_lock)
            {
                WorkerProtocol.Write(output, payload);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Sends the worker's own log lines (host failures, warnings) to the server's log.</summary>
    private sealed class ForwardingLogger(FrameWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += Environment.NewLine + exception;
            }

            // Fire and forget: a log line must never hold up a call. Ordering among lines is kept by the writer's lock.
            _ = writer.WriteAsync(new WorkerMessage { Type = WorkerMessageType.Log, LogLevel = (int)logLevel, Category = "LazyMigrate.Scripting", Message = message }, CancellationToken.None);
        }
    }
}
