using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

/// <summary>Access tokens travel in the Authorization header only; in a URL they would land in logs and histories.</summary>
public sealed class TokenTransportTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task AccessTokenInTheQueryString_DoesNotAuthenticate()
    {
        using var http = fixture.Anonymous();
        var tokens = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");

        using var response = await http.GetAsync($"/api/v1/users?access_token={Uri.EscapeDataString(tokens.AccessToken!)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
