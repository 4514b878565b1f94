using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// One server with its own fresh database for one test class (<c>IClassFixture&lt;ServerFixture&gt;</c>). Tests create
/// the users they need (unique emails), so none depends on another's data or order.
/// </summary>
public class ServerFixture : ServerFixtureBase
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialised.");

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        ConfigureSettings(settings);
        Server = new LazyMigrateServer(_database.ConnectionString, settings);
        _ = Server.Server; // start now: migrations and seeding run before the first test
    }

    /// <summary>Changes to the settings (issuer, more clients) before the server starts.</summary>
    protected virtual void ConfigureSettings(Dictionary<string, string?> settings)
    {
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
