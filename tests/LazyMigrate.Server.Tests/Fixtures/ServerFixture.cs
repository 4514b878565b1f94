using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// One server with its own fresh database for one test class (<c>IClassFixture&lt;ServerFixture&gt;</c>). Tests create
/// the users they need (unique emails), so none depends on another's data or order.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private LazyMigrateServer? _server;

    public LazyMigrateServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialised.");

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialised.");

    public IServiceProvider Services => Server.Services;

    /// <summary>A browser-like client with its own cookie jar, which follows the real login and consent forms.</summary>
    public Browser CreateBrowser() => new(Server);

    public virtual async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        _server = new LazyMigrateServer(_database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer));
        _ = _server.Server; // start now: migrations and seeding run before the first test
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
