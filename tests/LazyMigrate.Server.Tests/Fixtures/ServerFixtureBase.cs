using LazyMigrate.Server.Data;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The base of every server fixture: one server on a database of its own per test class, and the helpers tests share.
/// Subclasses decide only how the server is configured.
/// </summary>
public abstract class ServerFixtureBase : IAsyncLifetime
{
    private LazyMigrateServer? _server;

    public LazyMigrateServer Server
    {
        get => _server ?? throw new InvalidOperationException("The fixture is not initialised.");
        protected set => _server = value;
    }

    public IServiceProvider Services => Server.Services;

    /// <summary>A browser-like client with its own cookie jar, which follows the real login and consent forms.</summary>
    public Browser CreateBrowser() => new(Server);

    /// <summary>Runs <paramref name="action"/> on a fresh DbContext of the server's database (a scope of its own).</summary>
    public Task<T> WithDatabaseAsync<T>(Func<LazyMigrateDbContext, Task<T>> action) => Server.WithDatabaseAsync(action);

    /// <inheritdoc cref="WithDatabaseAsync{T}"/>
    public Task WithDatabaseAsync(Func<LazyMigrateDbContext, Task> action) => Server.WithDatabaseAsync(action);

    public abstract ValueTask InitializeAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
