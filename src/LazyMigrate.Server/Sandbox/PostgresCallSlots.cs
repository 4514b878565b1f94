using System.Collections.Concurrent;
using LazyMigrate.Scripting.Resilience;
using Npgsql;

namespace LazyMigrate.Server.Sandbox;

/// <summary>
/// The legacy bulkhead's cluster-wide slots as a semaphore in PostgreSQL: a call takes a free row of
/// <c>LegacyCallSlots</c> (one statement, <c>FOR UPDATE SKIP LOCKED</c>, so nodes never wait on each other's locks)
/// and frees it afterwards (a second statement). Leases expire on the database's clock, so the slots of a node that
/// was killed come back by themselves. A call waiting for a slot retries at once when a call of this node ends and
/// otherwise polls with a growing pause; only calls already past the node's own bulkhead wait here, so each node has
/// at most MaxConcurrentCalls pollers.
/// </summary>
/// <remarks>
/// Chosen over "nodes heartbeat and each takes limit ÷ nodes": a share is wasted on an idle node, a node that dies
/// holds its share until its heartbeat times out, and shares change under running calls whenever a node comes or goes.
/// The semaphore costs two short statements per legacy call (README, "Several nodes"), small beside a legacy call.
/// </remarks>
public sealed class PostgresCallSlots(NpgsqlDataSource dataSource, ILogger<PostgresCallSlots> logger) : IClusterCallSlots, IAsyncDisposable
{
    /// <summary>Its own small pool on the server's database: slot statements never wait behind EF Core's work.</summary>
    public static PostgresCallSlots Create(IConfiguration configuration, ILogger<PostgresCallSlots> logger) =>
        new(NpgsqlDataSource.Create(configuration.GetConnectionString("Default")
            ?? throw new InvalidOperationException("ConnectionStrings:Default (ConnectionStrings__Default) must be set to a PostgreSQL connection string.")), logger);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<(string, int), Task> _provisioned = new();
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<IAsyncDisposable> AcquireAsync(string connection, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            await _provisioned.GetOrAdd((connection, limit), key => ProvisionAsync(key.Item1, key.Item2)).WaitAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            _provisioned.TryRemove((connection, limit), out _);
            return Unshared(ex, connection);
        }

        var holder = Guid.NewGuid();
        var pause = FirstPause;
        while (true)
        {
            var released = Volatile.Read(ref _released).Task;
            int? slot;
            try
            {
                slot = await TakeAsync(connection, limit, lease, holder, cancellationToken);
            }
            catch (NpgsqlException ex)
            {
                return Unshared(ex, connection);
            }

            if (slot is { } taken)
            {
                return new Lease(this, connection, taken, holder);
            }

            await Task.WhenAny(released, Task.Delay(pause + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 3)), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
        }
    }

    /// <summary>
    /// Our own database failing is no reason to refuse a sign-in the legacy system could answer: the node's own
    /// bulkhead still bounds the call, only the cluster-wide bound is lost until the database is back.
    /// </summary>
    private NoSlot Unshared(NpgsqlException ex, string connection)
    {
        logger.LogWarning(ex, "The cluster-wide slots of connection {Connection} are unavailable; the call is bounded by this node's bulkhead only", connection);
        return NoSlot.Instance;
    }

    private async Task ProvisionAsync(string connection, int limit)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO "LegacyCallSlots" ("Connection", "Slot", "Holder", "LeaseUntil")
            SELECT $1, s, NULL, '-infinity' FROM generate_series(0, $2 - 1) AS s
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = connection });
        command.Parameters.Add(new() { Value = limit });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<int?> TakeAsync(string connection, int limit, TimeSpan lease, Guid holder, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE "LegacyCallSlots" SET "Holder" = $3, "LeaseUntil" = now() + $4
            WHERE ("Connection", "Slot") = (
                SELECT "Connection", "Slot" FROM "LegacyCallSlots"
                WHERE "Connection" = $1 AND "Slot" < $2 AND ("Holder" IS NULL OR "LeaseUntil" < now())
                LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Slot"
            """);
        command.Parameters.Add(new() { Value = connection });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = holder });
        command.Parameters.Add(new() { Value = lease });
        return await command.ExecuteScalarAsync(cancellationToken) is int slot ? slot : null;
    }

    private async ValueTask ReleaseAsync(string connection, int slot, Guid holder)
    {
        try
        {
            await using var command = dataSource.CreateCommand("""
                UPDATE "LegacyCallSlots" SET "Holder" = NULL, "LeaseUntil" = '-infinity'
                WHERE "Connection" = $1 AND "Slot" = $2 AND "Holder" = $3
                """);
            command.Parameters.Add(new() { Value = connection });
            command.Parameters.Add(new() { Value = slot });
            command.Parameters.Add(new() { Value = holder });
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            // The lease runs out by itself; until then the cluster has one slot fewer.
            logger.LogWarning(ex, "A cluster-wide slot of connection {Connection} could not be freed; it comes back when its lease ends", connection);
        }

        // Wake this node's waiters: the slot just freed is theirs to take before other nodes' next poll.
        Interlocked.Exchange(ref _released, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed class Lease(PostgresCallSlots owner, string connection, int slot, Guid holder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => owner.ReleaseAsync(connection, slot, holder);
    }

    private sealed class NoSlot : IAsyncDisposable
    {
        public static readonly NoSlot Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
