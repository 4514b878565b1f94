namespace LazyMigrate.Scripting.Resilience;

/// <summary>
/// The cluster-wide half of a connection's bulkhead: slots shared by every node, so N nodes together send the legacy
/// system at most <see cref="ScriptLimits.MaxConcurrentCalls"/> calls at once rather than N times that. Each node's
/// own bulkhead stays in front of it and keeps the queue in memory; only calls about to run take a shared slot.
/// </summary>
public interface IClusterCallSlots
{
    /// <summary>
    /// Waits for one of <paramref name="limit"/> slots of <paramref name="connection"/>; disposing the result gives it
    /// back. The slot is leased for <paramref name="lease"/>: a node that dies holding it loses it when the lease runs out.
    /// </summary>
    ValueTask<IAsyncDisposable> AcquireAsync(string connection, int limit, TimeSpan lease, CancellationToken cancellationToken);
}
