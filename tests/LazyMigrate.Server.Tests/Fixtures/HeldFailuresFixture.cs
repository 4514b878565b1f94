using LazyMigrate.Server.Login;
using LazyMigrate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A server whose failed sign-ins wait for a fixed floor on a clock of the test's own: the floor passes only when
/// the test advances <see cref="Clock"/>, so what is held and what is not shows without measuring time. Only the
/// floor runs on that clock; everything else keeps real time.
/// </summary>
public sealed class HeldFailuresFixture : ServerFixtureBase
{
    public static readonly TimeSpan Floor = TimeSpan.FromSeconds(10);

    private TestDatabase? _database;

    public FakeTimeProvider Clock { get; } = new();

    public LoginFailureFloor FailureFloor => Services.GetRequiredService<LoginFailureFloor>();

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        Server = new LazyMigrateServer(_database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer))
        {
            ConfigureTestServices = services => services.Replace(ServiceDescriptor.Singleton(new LoginFailureFloor(
                Microsoft.Extensions.Options.Options.Create(new LoginOptions { FailureFloor = Floor, AdaptiveFloorPercentile = 0 }), Clock))),
        };
        _ = Server.Server;
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
