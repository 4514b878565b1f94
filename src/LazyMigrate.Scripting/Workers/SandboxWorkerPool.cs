using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LazyMigrate.Scripting.Workers;

/// <summary>What the pool has done so far; tests and the log read it.</summary>
/// <param name="Trimmed">Idle workers retired because the burst that needed them was over (not counted in <paramref name="Recycled"/>).</param>
public sealed record SandboxPoolStatistics(int Live, int Idle, long Started, long Crashed, long Killed, long Recycled, long Calls, IReadOnlyList<int> ProcessIds, long Trimmed = 0);

/// <summary>
/// Supervises the sandbox worker processes: starts them on demand up to <see cref="SandboxOptions.MaxWorkers"/>,
/// keeps <see cref="SandboxOptions.WarmWorkers"/> ready, replaces one that exits, retires one after N calls or M MB
/// or when its last call left it unfit, retires the ones a burst needed once it is over (<see cref="SandboxOptions.IdleTimeout"/>),
/// and kills one whose call is past its deadline plus the grace. Thread-safe; one per process.
/// </summary>
public sealed class SandboxWorkerPool : IAsyncDisposable
{
    private readonly SandboxOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<SandboxWorkerProcess> _idle = new();
    private readonly ConcurrentDictionary<int, SandboxWorkerProcess> _live = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _warmUp = new(1, 1);
    private readonly SemaphoreSlim _starts = new(1, 1);
    private long _started;
    private long _crashed;
    private long _killed;
    private long _recycled;
    private long _calls;
    private int _warming;
    private long _trimmed;
    private int _busy;
    private int _busyPeak;
    private readonly Timer? _trim;

    public SandboxWorkerPool(SandboxOptions options, ILogger<SandboxWorkerPool>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger<SandboxWorkerPool>.Instance;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxWorkers));
        if (options.IdleTimeout > TimeSpan.Zero)
        {
            _trim = new Timer(_ => Trim(), null, options.IdleTimeout, options.IdleTimeout);
        }
    }

    public SandboxOptions Options => _options;

    public SandboxPoolStatistics Statistics => new(
        _live.Count,
        _idle.Count,
        Interlocked.Read(ref _started),
        Interlocked.Read(ref _crashed),
        Interlocked.Read(ref _killed),
        Interlocked.Read(ref _recycled),
        Interlocked.Read(ref _calls),
        [.. _live.Keys.Order()],
        Interlocked.Read(ref _trimmed));

    /// <summary>Starts workers until <see cref="SandboxOptions.WarmWorkers"/> are idle and ready.</summary>
    public Task WarmUpAsync(CancellationToken cancellationToken = default) => WarmUpAsync(_options.WarmWorkers, cancellationToken);

    /// <summary>Starts workers until <paramref name="workers"/> are idle and ready (at most <see cref="SandboxOptions.MaxWorkers"/>).</summary>
    public async Task WarmUpAsync(int workers, CancellationToken cancellationToken = default)
    {
        // One warm-up at a time: callers arriving together wait for the same start rather than starting one each.
        await _warmUp.WaitAsync(cancellationToken);
        try
        {
            while (!_stopping.IsCancellationRequested && _idle.Count < Math.Min(workers, _options.MaxWorkers) && _live.Count < _options.MaxWorkers)
            {
                await _starts.WaitAsync(cancellationToken);
                try
                {
                    _idle.Push(await StartAsync(cancellationToken));
                }
                finally
                {
                    _starts.Release();
                }
            }
        }
        finally
        {
            _warmUp.Release();
        }
    }

    /// <summary>Starts the warm workers in the background if they are not running, without waiting for them.</summary>
    public void EnsureWarm() => Replenish();

    /// <summary>Takes a ready worker for one call, waiting for a free one within <paramref name="cancellationToken"/>.</summary>
    internal async Task<SandboxWorkerProcess> AcquireAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                if (TryTakeIdle(out var idle))
                {
                    return idle;
                }

                // One start at a time: a start is seconds of CPU (runtime, JIT, warm-up), and several at once on a busy
                // machine starve each other and the server. While another start runs, a worker may come back idle.
                if (!await _starts.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken))
                {
                    continue;
                }

                if (TryTakeIdle(out idle))
                {
                    _starts.Release();
                    return idle;
                }

                // The start is not the call's: a caller whose deadline passes first leaves the new worker to the pool
                // (idle, for the next call), rather than killing it and making every later call pay for a start again.
                var starting = StartAsync(CancellationToken.None);
                _ = starting.ContinueWith(_ => _starts.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                SandboxWorkerProcess worker;
                try
                {
                    worker = await starting.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _ = starting.ContinueWith(
                        started =>
                        {
                            if (started.IsCompletedSuccessfully)
                            {
                                _idle.Push(started.Result);
                            }
                            else if (started.Exception is { } failure)
                            {
                                _logger.LogError(failure.InnerException, "A sandbox worker started for a call that gave up did not start");
                            }
                        },
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                    throw;
                }

                Interlocked.Increment(ref _calls);
                worker.Calls++;
                MarkBusy();
                return worker;
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private bool TryTakeIdle([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SandboxWorkerProcess? worker)
    {
        while (_idle.TryPop(out var idle))
        {
            if (idle.IsAlive)
            {
                Interlocked.Increment(ref _calls);
                idle.Calls++;
                MarkBusy();
                worker = idle;
                return true;
            }

            Forget(idle);
        }

        worker = null;
        return false;
    }

    /// <summary>Gives a worker back after its call: kept warm when healthy, otherwise retired (and replaced).</summary>
    internal void Release(SandboxWorkerProcess worker, bool unfit)
    {
        Interlocked.Decrement(ref _busy);
        try
        {
            if (!worker.IsAlive)
            {
                Forget(worker);
            }
            else if (unfit || worker.Calls >= _options.MaxCallsPerWorker || worker.WorkingSetBytes > (long)_options.MaxWorkerMemoryMB * 1024 * 1024 || _stopping.IsCancellationRequested)
            {
                _logger.LogInformation("Sandbox worker {ProcessId} retired after {Calls} calls at {MemoryMB} MB{Unfit}",
                    worker.ProcessId, worker.Calls, worker.WorkingSetBytes / (1024 * 1024), unfit ? " (its last call left it unfit)" : "");
                Interlocked.Increment(ref _recycled);
                Retire(worker);
            }
            else
            {
                _idle.Push(worker);
            }
        }
        finally
        {
            _slots.Release();
        }

        Replenish();
    }

    /// <summary>Kills a worker whose call ran past its deadline plus the grace.</summary>
    internal void KillOverdue(SandboxWorkerProcess worker)
    {
        _logger.LogWarning("Sandbox worker {ProcessId} did not answer within its call's deadline and grace; killing it", worker.ProcessId);
        Interlocked.Increment(ref _killed);
        worker.Kill();
    }

    /// <summary>Records that a worker died during a call (not killed by us).</summary>
    internal void ReportCrash(SandboxWorkerProcess worker, string reason)
    {
        Interlocked.Increment(ref _crashed);
        _logger.LogError("Sandbox worker {ProcessId} died during a call: {Reason}", worker.ProcessId, reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_trim is not null)
        {
            await _trim.DisposeAsync();
        }

        foreach (var worker in _live.Values)
        {
            worker.Kill();
            worker.Dispose();
        }

        _live.Clear();
        _idle.Clear();
        _stopping.Dispose();
        _warmUp.Dispose();
        _slots.Dispose();
    }

    private async Task<SandboxWorkerProcess> StartAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var worker = await SandboxWorkerProcess.StartAsync(_options, _logger, linked.Token);
        Interlocked.Increment(ref _started);
        _live[worker.ProcessId] = worker;
        _ = worker.Exited.ContinueWith(_ => OnExited(worker), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _logger.LogInformation("Sandbox worker {ProcessId} started", worker.ProcessId);
        return worker;
    }

    private void OnExited(SandboxWorkerProcess worker)
    {
        // An idle worker that exits (killed from outside, out of memory) is simply dropped; the pool refills.
        if (_live.TryRemove(worker.ProcessId, out _))
        {
            worker.Dispose();
        }

        Replenish();
    }

    private void Retire(SandboxWorkerProcess worker)
    {
        // Closing stdin ends a healthy worker's loop; a kill makes sure of it (its last call may have left a hash running).
        worker.Kill();
        Forget(worker);
    }

    private void Forget(SandboxWorkerProcess worker)
    {
        if (_live.TryRemove(worker.ProcessId, out _))
        {
            worker.Dispose();
        }
    }

    private void MarkBusy()
    {
        var busy = Interlocked.Increment(ref _busy);
        for (var peak = Volatile.Read(ref _busyPeak); busy > peak; peak = Volatile.Read(ref _busyPeak))
        {
            if (Interlocked.CompareExchange(ref _busyPeak, busy, peak) == peak)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Every <see cref="SandboxOptions.IdleTimeout"/>: keeps as many workers as were busy at once since the last
    /// time, plus the warm ones, and retires idle ones beyond that. A worker is retired idle, never during a call.
    /// </summary>
    private void Trim()
    {
        // A warm-up in progress asked for its workers: they are not a burst's leftovers.
        if (_stopping.IsCancellationRequested || _warmUp.CurrentCount == 0)
        {
            return;
        }

        var peak = Interlocked.Exchange(ref _busyPeak, Math.Max(0, Volatile.Read(ref _busy)));
        var keep = Math.Min(_options.MaxWorkers, peak + _options.WarmWorkers);
        for (var extra = _live.Count - keep; extra > 0 && _idle.Count > _options.WarmWorkers && _idle.TryPop(out var worker); extra--)
        {
            _logger.LogInformation("Sandbox worker {ProcessId} retired: not needed since the last burst of calls", worker.ProcessId);
            Interlocked.Increment(ref _trimmed);
            Retire(worker);
        }
    }

    /// <summary>Keeps the warm workers topped up in the background, one start at a time.</summary>
    private void Replenish()
    {
        if (_stopping.IsCancellationRequested || _idle.Count >= _options.WarmWorkers || _live.Count >= _options.MaxWorkers
            || Interlocked.CompareExchange(ref _warming, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await WarmUpAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (!_stopping.IsCancellationRequested)
                {
                    _logger.LogError(ex, "Could not start a warm sandbox worker");
                }
            }
            finally
            {
                Interlocked.Exchange(ref _warming, 0);
            }
        });
    }
}
