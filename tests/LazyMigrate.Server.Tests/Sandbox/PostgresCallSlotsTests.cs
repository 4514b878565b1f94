using LazyMigrate.Server.Sandbox;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LazyMigrate.Server.Tests.Sandbox;

/// <summary>A migrated database for the slot tests; each test uses a connection name of its own.</summary>
public sealed class CallSlotsDatabase : IAsyncLifetime
{
    private TestDatabase? _database;

    public string ConnectionString => _database!.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        await using var server = new LazyMigrateServer(_database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer));
        _ = server.Server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>The legacy bulkhead's cluster-wide slots, with two instances standing for two nodes.</summary>
public sealed class PostgresCallSlotsTests(CallSlotsDatabase database) : IClassFixture<CallSlotsDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task TwoNodes_TogetherNeverHoldMoreThanTheLimit_AndAFreedSlotGoesToAWaiter()
    {
        var connection = Guid.NewGuid().ToString("N");
        await using var nodeA = Slots();
        await using var nodeB = Slots();
        var a = await nodeA.AcquireAsync(connection, 2, Lease, TestContext.Current.CancellationToken);
        var b = await nodeB.AcquireAsync(connection, 2, Lease, TestContext.Current.CancellationToken);

        // Both slots are taken: a third call waits on either node, here until it gives up.
        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await nodeA.AcquireAsync(connection, 2, Lease, giveUp.Token));
        }

        Assert.Equal(2, await HeldAsync(connection));
        var waiting = nodeA.AcquireAsync(connection, 2, Lease, TestContext.Current.CancellationToken).AsTask();
        await b.DisposeAsync();
        await using var third = await waiting.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(2, await HeldAsync(connection));
        await a.DisposeAsync();
    }

    [Fact]
    public async Task TheSlotOfANodeThatDied_ComesBackWhenItsLeaseEnds()
    {
        var connection = Guid.NewGuid().ToString("N");
        var dying = Slots();
        // Taken and never given back: the node is gone.
        _ = await dying.AcquireAsync(connection, 1, TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await dying.DisposeAsync();
        await using var survivor = Slots();

        await using var slot = await survivor.AcquireAsync(connection, 1, Lease, TestContext.Current.CancellationToken).AsTask()
            .WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(1, await HeldAsync(connection));
    }

    [Fact]
    public async Task OurDatabaseUnreachable_TheCallStillRuns_BoundedByTheNodeOnly()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        await using var slots = new PostgresCallSlots(NpgsqlDataSource.Create(unreachable), NullLogger<PostgresCallSlots>.Instance);

        await using var slot = await slots.AcquireAsync("legacy", 1, Lease, TestContext.Current.CancellationToken);

        Assert.NotNull(slot);
    }

    private PostgresCallSlots Slots() => new(NpgsqlDataSource.Create(database.ConnectionString), NullLogger<PostgresCallSlots>.Instance);

    private async Task<long> HeldAsync(string connection)
    {
        await using var db = new NpgsqlConnection(database.ConnectionString);
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var held = new NpgsqlCommand("""SELECT count(*) FROM "LegacyCallSlots" WHERE "Connection" = @c AND "Holder" IS NOT NULL AND "LeaseUntil" > now()""", db);
        held.Parameters.AddWithValue("c", connection);
        return (long)(await held.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
