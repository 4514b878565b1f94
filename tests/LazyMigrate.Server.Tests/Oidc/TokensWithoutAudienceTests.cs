using System.Net;
using System.Net.Http.Headers;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>
/// An access token issued before the upgrade that gave tokens audiences: the management scopes had no resource then,
/// so the token carries no <c>aud</c>. The test makes one the same way (the scope's resource removed while the token is
/// issued, then put back), and the API refuses it with a challenge that says to renew it.
/// </summary>
public class TokensWithoutAudienceTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task ATokenIssuedBeforeAudiences_Gets401SayingToRenewIt_AndANewTokenWorks()
    {
        var machine = TestClients.Machine;
        using var http = fixture.Anonymous();
        var old = await IssueWithoutAudienceAsync(http, "read:users");

        // It really is such a token: its own client may introspect it, and it names no audience.
        var introspection = await http.IntrospectAsync(machine, old);
        Assert.Equal("true", introspection.Json.GetProperty("active").ToString().ToLowerInvariant());
        Assert.False(introspection.Json.TryGetProperty("aud", out _));

        using var refused = await GetUsersAsync(http, old);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var challenge = Assert.Single(refused.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("Request a new access token", challenge.Parameter, StringComparison.Ordinal);

        var renewed = await http.ClientCredentialsAsync(machine.ClientId, machine.Secret, "read:users");
        using var accepted = await GetUsersAsync(http, renewed.AccessToken!);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task ATokenForAnotherAudience_IsStillRefusedWithoutTheRenewalHint()
    {
        // A token for another API (an API client's scope) has an audience, not ours: renewing it would not help, so
        // OpenIddict's own audience check answers, without the hint.
        using var http = fixture.Anonymous();
        var machine = TestClients.Machine;
        using (var scope = fixture.Services.CreateScope())
        {
            var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
            if (await scopes.FindByNameAsync("orders:read", TestContext.Current.CancellationToken) is null)
            {
                await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = "orders:read", Resources = { "orders-api" } }, TestContext.Current.CancellationToken);
            }
        }

        await GrantAsync(machine.ClientId, "orders:read");
        var token = await http.ClientCredentialsAsync(machine.ClientId, machine.Secret, "orders:read");
        Assert.NotNull(token.AccessToken);

        using var refused = await GetUsersAsync(http, token.AccessToken!);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var challenge = Assert.Single(refused.Headers.WwwAuthenticate);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.DoesNotContain(TokensWithoutAudience.Description, challenge.Parameter, StringComparison.Ordinal);
    }

    /// <summary>A client-credentials token for <paramref name="scopeName"/> issued while that scope had no resource.</summary>
    private async Task<string> IssueWithoutAudienceAsync(HttpClient http, string scopeName)
    {
        var machine = TestClients.Machine;
        using var scope = fixture.Services.CreateScope();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        var entry = await scopes.FindByNameAsync(scopeName, TestContext.Current.CancellationToken);
        Assert.NotNull(entry);
        var descriptor = new OpenIddictScopeDescriptor();
        await scopes.PopulateAsync(descriptor, entry, TestContext.Current.CancellationToken);
        var resources = descriptor.Resources.ToList();
        Assert.NotEmpty(resources);

        descriptor.Resources.Clear();
        await scopes.UpdateAsync(entry, descriptor, TestContext.Current.CancellationToken);
        try
        {
            var token = await http.ClientCredentialsAsync(machine.ClientId, machine.Secret, scopeName);
            Assert.NotNull(token.AccessToken);
            return token.AccessToken!;
        }
        finally
        {
            descriptor.Resources.UnionWith(resources);
            await scopes.UpdateAsync(entry, descriptor, TestContext.Current.CancellationToken);
        }
    }

    private async Task GrantAsync(string clientId, string scopeName)
    {
        using var scope = fixture.Services.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await applications.FindByClientIdAsync(clientId, TestContext.Current.CancellationToken);
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application!, TestContext.Current.CancellationToken);
        descriptor.Permissions.Add(OpenIddictConstants.Permissions.Prefixes.Scope + scopeName);
        await applications.UpdateAsync(application!, descriptor, TestContext.Current.CancellationToken);
    }

    private static async Task<HttpResponseMessage> GetUsersAsync(HttpClient http, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users?limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
