using System.Collections.Concurrent;

namespace LazyMigrate.Scripting.Workers;

/// <summary>
/// The one thread a worker runs scripts on, with a stack size chosen on purpose, and a synchronization context so
/// that a script's continuations after an awaited host call come back to it rather than to a thread-pool thread.
/// </summary>
internal sealed class ScriptThread : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Thread _thread;

    public ScriptThread(int maxStackSize)
    {
        _thread = new Thread(Loop, maxStackSize) { IsBackground = true, Name = "sandbox script" };
        _thread.Start();
    }

    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("the script thread only takes posted work");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="work"/> on the script thread; its awaits resume there too.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(async _ =>
        {
            try
            {
                done.SetResult(await work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }, null);
        return done.Task;
    }

    public void Dispose() => _queue.CompleteAdding();

    private void Loop()
    {
        SetSynchronizationContext(this);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            callback(state);
        }
    }
}
