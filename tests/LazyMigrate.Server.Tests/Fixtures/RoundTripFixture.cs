using System.Net.Http.Headers;
using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// Two deployments: the source (the <c>legacy</c> connection, users of every kind) and a fresh target on a database of
/// its own, with a <c>previous</c> connection (Disconnected, no scripts) that imported users belong to, as a team
/// moving from one LazyMigrate to another would set it up.
/// </summary>
public sealed class RoundTripFixture : ManagementApiFixture
{
    private TestDatabase? _targetDatabase;

    public LazyMigrateServer Target { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _targetDatabase = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        settings["LazyMigrate:Connections:0:Name"] = "previous";
        settings["LazyMigrate:Connections:0:State"] = "Disconnected";
        settings["LazyMigrate:Connections:0:Database:Provider"] = "none";
        Target = new LazyMigrateServer(_targetDatabase.ConnectionString, settings);
        _ = Target.Server;
    }

    /// <summary>A client of the target's API with every management scope.</summary>
    public async Task<HttpClient> TargetApiAsync()
    {
        var http = Target.CreateClient();
        var token = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret!, string.Join(' ', TestClients.Machine.Scopes!));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return http;
    }

    public override async ValueTask DisposeAsync()
    {
        if (Target is not null)
        {
            await Target.DisposeAsync();
        }

        if (_targetDatabase is not null)
        {
            await _targetDatabase.DisposeAsync();
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
