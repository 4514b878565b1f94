using System.Net;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>Access tokens name their audiences, and only a token's own client or audience may introspect it.</summary>
public sealed class IntrospectionTests(RelyingPartyServerFixture fixture) : IClassFixture<RelyingPartyServerFixture>
{
    private static readonly TestClient Web = RelyingPartyServerFixture.OrdersWeb;
    private static readonly TestClient Api = RelyingPartyServerFixture.OrdersApi;

    [Fact]
    public async Task UserToken_ForAnApiScope_IsForThatApi_WhichMayIntrospectIt()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var flow = await browser.SignInAsync(Web, user, "openid email orders:read");

        var byApi = await browser.Http.IntrospectAsync(Api, flow.Tokens.AccessToken!);
        var byOwnClient = await browser.Http.IntrospectAsync(Web, flow.Tokens.AccessToken!);

        foreach (var answer in new[] { byApi, byOwnClient })
        {
            Assert.Equal("true", answer["active"]);
            Assert.Equal(user.Id.ToString(), answer["sub"]);
            Assert.Equal(Web.ClientId, answer["client_id"]);
            Assert.Equal(["openid", "email", "orders:read"], answer["scope"]!.Split(' '), StringComparer.Ordinal);
            Assert.Equal([Api.ClientId], Audiences(answer));
        }
    }

    [Fact]
    public async Task UserToken_IntrospectedByAnUnrelatedClient_IsInactiveAndSaysNothingMore()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var withApi = await browser.SignInAsync(Web, user, "openid orders:read offline_access");
        var withoutApi = await browser.SignInAsync(Web, user, "openid profile");

        foreach (var token in new[] { withApi.Tokens.AccessToken!, withApi.Tokens.RefreshToken!, withoutApi.Tokens.AccessToken! })
        {
            var answer = await browser.Http.IntrospectAsync(TestClients.Machine, token);

            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal("false", answer["active"]);
            Assert.Null(answer["sub"]);
            Assert.Null(answer["client_id"]);
        }

        // Without an API scope the token is for its own client only; the API itself is no exception.
        Assert.Equal("false", (await browser.Http.IntrospectAsync(Api, withoutApi.Tokens.AccessToken!))["active"]);
        Assert.Equal("true", (await browser.Http.IntrospectAsync(Web, withoutApi.Tokens.AccessToken!))["active"]);
    }

    [Fact]
    public async Task ManagementToken_IsForTheManagementApi_AndHiddenFromOtherClients()
    {
        using var http = fixture.Server.CreateClient();
        var token = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users read:stats");

        var own = await http.IntrospectAsync(TestClients.Machine, token.AccessToken!);
        var other = await http.IntrospectAsync(TestClients.Reader, token.AccessToken!);

        Assert.Equal("true", own["active"]);
        Assert.Equal(["management-api"], Audiences(own));
        Assert.Equal(["read:users", "read:stats"], own["scope"]!.Split(' '), StringComparer.Ordinal);
        Assert.Equal("false", other["active"]);
        Assert.Null(other["sub"]);
    }

    [Fact]
    public async Task ManagementApi_RefusesATokenWithoutItsAudience_EvenWithTheScope()
    {
        using var http = fixture.Server.CreateClient();
        var withAudience = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:stats");

        // A database from before audiences: the scope exists but names no resource, so its tokens carry no aud.
        await SetResourcesAsync("read:stats", []);
        try
        {
            var withoutAudience = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:stats");

            Assert.Equal(HttpStatusCode.OK, await StatsStatusAsync(withAudience.AccessToken!));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatsStatusAsync(withoutAudience.AccessToken!));
        }
        finally
        {
            await SetResourcesAsync("read:stats", ["management-api"]);
        }
    }

    private async Task<HttpStatusCode> StatsStatusAsync(string accessToken)
    {
        using var http = fixture.Server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        using var response = await http.GetAsync("/api/v1/stats/migration", TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private async Task SetResourcesAsync(string scope, string[] resources)
    {
        await using var services = fixture.Services.CreateAsyncScope();
        var scopes = services.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        var entity = await scopes.FindByNameAsync(scope) ?? throw new InvalidOperationException($"No scope {scope}.");
        var descriptor = new OpenIddictScopeDescriptor();
        await scopes.PopulateAsync(descriptor, entity);
        descriptor.Resources.Clear();
        descriptor.Resources.UnionWith(resources);
        await scopes.UpdateAsync(entity, descriptor);
    }

    private static string[] Audiences(ProtocolResponse answer) => answer.Json.GetProperty("aud") is { ValueKind: JsonValueKind.Array } array
        ? [.. array.EnumerateArray().Select(a => a.GetString()!)]
        : [answer.Json.GetProperty("aud").GetString()!];
}
