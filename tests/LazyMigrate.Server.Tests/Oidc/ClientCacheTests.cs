using System.Net;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>Two nodes on one database whose cached clients live an hour: only a change's notification can refresh them.</summary>
public sealed class ClientCacheFixture : ServerFixture
{
    private Dictionary<string, string?>? _settings;

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:ClientCacheLifetime"] = "01:00:00";
        settings[DatabaseCommandCount.Setting] = "true";
        _settings = settings;
    }

    /// <summary>Another node of the same deployment. The caller disposes it.</summary>
    public LazyMigrateServer CreateNode() => new(Database.ConnectionString, _settings!);
}

/// <summary>
/// Clients and scopes are read once per node (OidcEntityCache) and every change reaches every node through PostgreSQL:
/// a changed, rotated or deleted client is never served from memory afterwards, on the node that changed it or another.
/// </summary>
public sealed class ClientCacheTests(ClientCacheFixture fixture) : IClassFixture<ClientCacheFixture>
{
    private const string Scope = "read:users";

    [Fact]
    public async Task ARepeatedGrant_ReadsNeitherTheClientNorItsScopes_NorWritesAnything()
    {
        var (clientId, secret) = await CreateMachineClientAsync(fixture.Server);
        using var http = fixture.Server.CreateClient();

        // Nothing is left once the node listens for changes and has read the client (machine tokens have no row by default).
        var commands = await Wait.ForAsync(() => GrantCommandsAsync(http, clientId, secret), count => count == 0);

        Assert.Equal(0, commands);
    }

    [Fact]
    public async Task ASecretRotatedOnOneNode_IsRefusedOnTheOther()
    {
        await using var other = fixture.CreateNode();
        var (clientId, secret) = await CreateMachineClientAsync(fixture.Server);
        using var there = other.CreateClient();
        await Wait.ForAsync(() => GrantCommandsAsync(there, clientId, secret), count => count == 0);

        var rotated = await AdministerAsync(fixture.Server, clients => clients.RotateSecretAsync(clientId, "tests", CancellationToken.None));
        var newSecret = Assert.IsType<ClientResult.Done>(rotated).Secret!;

        // Cached for an hour on the other node: only the notification of the change can make it read the client again.
        var old = await Wait.ForAsync(() => there.ClientCredentialsAsync(clientId, secret, Scope), response => response.Status != HttpStatusCode.OK);
        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, old.Error);
        Assert.Equal(HttpStatusCode.OK, (await there.ClientCredentialsAsync(clientId, newSecret, Scope)).Status);
    }

    [Fact]
    public async Task AScopeTakenFromAClient_IsRefusedAtOnce_OnTheNodeThatChangedIt()
    {
        var (clientId, secret) = await CreateMachineClientAsync(fixture.Server);
        using var http = fixture.Server.CreateClient();
        await Wait.ForAsync(() => GrantCommandsAsync(http, clientId, secret), count => count == 0);

        Assert.IsType<ClientResult.Done>(await AdministerAsync(fixture.Server,
            clients => clients.UpdateAsync(clientId, new ClientChange { Scopes = ["read:stats"] }, "tests", CancellationToken.None)));

        var refused = await http.ClientCredentialsAsync(clientId, secret, Scope);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Null(refused.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, secret, "read:stats")).Status);
    }

    [Fact]
    public async Task ANodeThatCannotHearChanges_ServesNoClientFromMemory()
    {
        await using var other = fixture.CreateNode();
        var (clientId, secret) = await CreateMachineClientAsync(fixture.Server);
        using var there = other.CreateClient();
        await Wait.ForAsync(() => GrantCommandsAsync(there, clientId, secret), count => count == 0);

        // Cut every node's listening connection and change the client once the other node knows it is deaf.
        await using (var connection = new NpgsqlConnection(fixture.Database.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var cut = new NpgsqlCommand(
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {OidcEntityCache.Channel}'",
                connection);
            await cut.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var cache = other.Services.GetRequiredService<OidcEntityCache>();
        await Wait.ForAsync(() => Task.FromResult(cache.IsListening), listening => !listening);

        var rotated = await AdministerAsync(fixture.Server, clients => clients.RotateSecretAsync(clientId, "tests", CancellationToken.None));
        Assert.IsType<ClientResult.Done>(rotated);

        // Not listening yet: it reads the client; listening again: it forgot what it read before. Either way, refused.
        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, (await there.ClientCredentialsAsync(clientId, secret, Scope)).Error);
    }

    private static async Task<int> GrantCommandsAsync(HttpClient http, string clientId, string secret)
    {
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = Scope,
        }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return int.Parse(response.Headers.GetValues(DatabaseCommandCount.Header).Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<(string ClientId, string Secret)> CreateMachineClientAsync(LazyMigrateServer server)
    {
        var clientId = $"machine-{Guid.NewGuid():N}";
        var created = await AdministerAsync(server, clients => clients.CreateAsync(
            new ClientChange { ClientId = clientId, Type = OpenIddictConstants.ClientTypes.Confidential, Scopes = [Scope, "read:stats"] }, "tests", CancellationToken.None));
        return (clientId, Assert.IsType<ClientResult.Done>(created).Secret!);
    }

    private static async Task<ClientResult> AdministerAsync(LazyMigrateServer server, Func<ClientAdministration, Task<ClientResult>> action)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ClientAdministration>());
    }
}
