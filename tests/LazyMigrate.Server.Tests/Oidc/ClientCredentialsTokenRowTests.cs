using System.Net;
using System.Net.Http.Headers;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>LazyMigrate:StoreClientCredentialsTokens=false: machine tokens without a row still work and introspect; revoking one cannot.</summary>
public sealed class ClientCredentialsTokenRowTests(ClientCredentialsTokenRowTests.WithoutRowsFixture withoutRows, ServerFixture withRows)
    : IClassFixture<ClientCredentialsTokenRowTests.WithoutRowsFixture>, IClassFixture<ServerFixture>
{
    private static readonly TestClient Machine = TestClients.Machine;

    [Fact]
    public async Task ByDefault_AGrantStoresARow_AndRevokingTheTokenEndsIt()
    {
        using var http = withRows.Server.CreateClient();
        var before = await RowsAsync(withRows);
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, "read:users");
        Assert.Equal(before + 1, await RowsAsync(withRows));

        Assert.Equal(HttpStatusCode.OK, (await http.RevokeAsync(Machine, grant.AccessToken!, "access_token")).Status);
        Assert.Equal("false", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task WithRows_ARevokedMachineToken_IsRefusedByTheManagementApi()
    {
        using var http = withRows.Server.CreateClient();
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, "read:users");
        Assert.Equal(HttpStatusCode.OK, await UsersStatusAsync(http, grant.AccessToken!));

        Assert.Equal(HttpStatusCode.OK, (await http.RevokeAsync(Machine, grant.AccessToken!, "access_token")).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, await UsersStatusAsync(http, grant.AccessToken!));
    }

    [Fact]
    public async Task WithoutRows_AGrantStoresNone_AndItsTokenCallsTheApiAndIntrospects()
    {
        using var http = withoutRows.Server.CreateClient();
        var before = await RowsAsync(withoutRows);
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, "read:users");
        Assert.Equal(HttpStatusCode.OK, grant.Status);
        Assert.Equal(before, await RowsAsync(withoutRows));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users?limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", grant.AccessToken);
        using var users = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        Assert.Equal("true", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task WithoutRows_RevokingAMachineToken_IsRefusedAndTheTokenStaysValidUntilItExpires()
    {
        using var http = withoutRows.Server.CreateClient();
        var grant = await http.ClientCredentialsAsync(Machine.ClientId, Machine.Secret, "read:users");

        var revoked = await http.RevokeAsync(Machine, grant.AccessToken!, "access_token");

        Assert.Equal("unsupported_token_type", revoked.Error);
        Assert.Equal("true", (await http.IntrospectAsync(Machine, grant.AccessToken!))["active"]);
    }

    [Fact]
    public async Task WithoutRows_UserTokensKeepTheirRows_SoRefreshRotationStillWorks()
    {
        using var browser = withoutRows.CreateBrowser();
        var user = await withoutRows.Services.CreateUserAsync();
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

    private static Task<int> RowsAsync(ServerFixtureBase fixture) =>
        fixture.WithDatabaseAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Application!.ClientId == Machine.ClientId));

    public sealed class WithoutRowsFixture : ServerFixture
    {
        protected override void ConfigureSettings(Dictionary<string, string?> settings) =>
            settings["LazyMigrate:StoreClientCredentialsTokens"] = "false";
    }
}
