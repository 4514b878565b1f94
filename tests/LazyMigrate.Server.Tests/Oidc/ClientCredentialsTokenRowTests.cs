using System.Net;
using System.Net.Http.Headers;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>
/// Machine tokens have no row by default: they work and introspect, cannot be revoked one by one, and end with their
/// client. LazyMigrate:StoreClientCredentialsTokens=true gives each a row, and revoking one ends it everywhere.
/// </summary>
public sealed class ClientCredentialsTokenRowTests(ServerFixture byDefault, ClientCredentialsTokenRowTests.WithRowsFixture withRows)
    : IClassFixture<ServerFixture>, IClassFixture<ClientCredentialsTokenRowTests.WithRowsFixture>
{
    private const string Scope = "read:users";
    private static readonly TestClient Machine = TestClients.Machine;

    [Fact]
    public async Task ByDefault_AGrantStoresNoRow_AndItsTokenCallsTheApiAndIntrospects()
    {
        using var http = byDefault.Server.CreateClient();
        var before = await RowsAsync(byDefault);
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, Scope);
        Assert.Equal(HttpStatusCode.OK, grant.Status);
        Assert.Equal(before, await RowsAsync(byDefault));

        Assert.Equal(HttpStatusCode.OK, await UsersStatusAsync(http, grant.AccessToken!));
        Assert.Equal("true", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task ByDefault_RevokingAMachineToken_IsRefusedAndTheTokenStaysValid()
    {
        using var http = byDefault.Server.CreateClient();
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, Scope);

        var revoked = await http.RevokeAsync(Machine, grant.AccessToken!, "access_token");

        Assert.Equal("unsupported_token_type", revoked.Error);
        Assert.Equal("true", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task ByDefault_RemovingTheClient_EndsItsTokensAtTheApiAndAtIntrospection()
    {
        // A resource server registered as a client, with a scope of its own API: it may introspect the tokens granted it.
        var scope = $"api-{Guid.NewGuid():N}";
        var resource = await CreateClientAsync(byDefault, $"resource-{Guid.NewGuid():N}", [], apiScopes: [scope]);
        var machine = await CreateClientAsync(byDefault, $"machine-{Guid.NewGuid():N}", [Scope, scope]);
        using var http = byDefault.Server.CreateClient();
        var grant = await http.ClientCredentialsAsync(machine.ClientId, machine.Secret, Scope + " " + scope);
        Assert.Equal(HttpStatusCode.OK, await UsersStatusAsync(http, grant.AccessToken!));
        Assert.Equal("true", (await http.IntrospectAsync(resource, grant.AccessToken!))["active"]);

        await AdministerAsync(byDefault, clients => clients.DeleteAsync(machine.ClientId, "tests", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, await UsersStatusAsync(http, grant.AccessToken!));
        Assert.Equal("false", (await http.IntrospectAsync(resource, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task ByDefault_AClientRemovedAndCreatedAgainUnderItsId_DoesNotReviveTheOldTokens()
    {
        var clientId = $"machine-{Guid.NewGuid():N}";
        var machine = await CreateClientAsync(byDefault, clientId, [Scope]);
        using var http = byDefault.Server.CreateClient();
        var old = await http.ClientCredentialsAsync(machine.ClientId, machine.Secret, Scope);

        await AdministerAsync(byDefault, clients => clients.DeleteAsync(clientId, "tests", CancellationToken.None));
        var again = await CreateClientAsync(byDefault, clientId, [Scope]);
        var fresh = await http.ClientCredentialsAsync(again.ClientId, again.Secret, Scope);

        Assert.Equal(HttpStatusCode.Unauthorized, await UsersStatusAsync(http, old.AccessToken!));
        Assert.Equal("false", (await http.IntrospectAsync(again, old.AccessToken!))["active"]);
        Assert.Equal(HttpStatusCode.OK, await UsersStatusAsync(http, fresh.AccessToken!));
    }

    [Fact]
    public async Task WithRows_AGrantStoresARow_AndRevokingTheTokenEndsIt()
    {
        using var http = withRows.Server.CreateClient();
        var before = await RowsAsync(withRows);
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, Scope);
        Assert.Equal(before + 1, await RowsAsync(withRows));

        Assert.Equal(HttpStatusCode.OK, (await http.RevokeAsync(Machine, grant.AccessToken!, "access_token")).Status);
        Assert.Equal("false", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task WithRows_ARevokedMachineToken_IsRefusedByTheManagementApi()
    {
        using var http = withRows.Server.CreateClient();
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, Scope);
        Assert.Equal(HttpStatusCode.OK, await UsersStatusAsync(http, grant.AccessToken!));

        Assert.Equal(HttpStatusCode.OK, (await http.RevokeAsync(Machine, grant.AccessToken!, "access_token")).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, await UsersStatusAsync(http, grant.AccessToken!));
    }

    [Fact]
    public async Task ByDefault_UserTokensKeepTheirRows_SoRefreshRotationStillWorks()
    {
        using var browser = byDefault.CreateBrowser();
        var user = await byDefault.Services.CreateUserAsync();
        var flow = await browser.SignInAsync(TestClients.Web, user);
        var refreshed = await browser.Http.RefreshAsync(TestClients.Web, flow.Tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);

        // The first refresh token again: reuse, so the chain is revoked.
        Assert.Equal("invalid_grant", (await browser.Http.RefreshAsync(TestClients.Web, flow.Tokens.RefreshToken!)).Error);
        Assert.Equal("invalid_grant", (await browser.Http.RefreshAsync(TestClients.Web, refreshed.RefreshToken!)).Error);
    }

    private static async Task<HttpStatusCode> UsersStatusAsync(HttpClient http, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users?limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static async Task<TestClient> CreateClientAsync(ServerFixtureBase fixture, string clientId, List<string> scopes, List<string>? apiScopes = null)
    {
        var created = await AdministerAsync(fixture, clients => clients.CreateAsync(
            new ClientChange { ClientId = clientId, Type = OpenIddictConstants.ClientTypes.Confidential, Scopes = scopes, ApiScopes = apiScopes },
            "tests", CancellationToken.None));
        return new TestClient(clientId, Assert.IsType<ClientResult.Done>(created).Secret!);
    }

    private static async Task<ClientResult> AdministerAsync(ServerFixtureBase fixture, Func<ClientAdministration, Task<ClientResult>> action)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ClientAdministration>());
    }

    private static Task<int> RowsAsync(ServerFixtureBase fixture) =>
        fixture.WithDatabaseAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Application!.ClientId == Machine.ClientId));

    public sealed class WithRowsFixture : ServerFixture
    {
        protected override void ConfigureSettings(Dictionary<string, string?> settings) =>
            settings["LazyMigrate:StoreClientCredentialsTokens"] = "true";
    }
}
