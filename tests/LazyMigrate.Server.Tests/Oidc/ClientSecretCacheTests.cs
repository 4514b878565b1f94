using System.Net;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>
/// The remembered client-secret verifications (VerifiedClientSecrets) never outlive the secret: a rotated or deleted
/// client is refused at once, while its secret would still be remembered, and a wrong secret is never taken.
/// </summary>
public sealed class ClientSecretCacheTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ARotatedSecret_IsRefusedAtOnce_AndTheNewOneWorks()
    {
        var (clientId, secret) = await CreateMachineClientAsync();
        using var http = fixture.Server.CreateClient();
        // Twice: the second grant is answered from the remembered verification.
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, secret, "read:users")).Status);
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, secret, "read:users")).Status);

        var rotated = await AdministerAsync(clients => clients.RotateSecretAsync(clientId, "tests", CancellationToken.None));
        var newSecret = Assert.IsType<ClientResult.Done>(rotated).Secret!;

        var old = await http.ClientCredentialsAsync(clientId, secret, "read:users");
        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, old.Error);
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, newSecret, "read:users")).Status);
    }

    [Fact]
    public async Task ADeletedClient_IsRefusedAtOnce()
    {
        var (clientId, secret) = await CreateMachineClientAsync();
        using var http = fixture.Server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, secret, "read:users")).Status);

        Assert.IsType<ClientResult.Done>(await AdministerAsync(clients => clients.DeleteAsync(clientId, "tests", CancellationToken.None)));

        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, (await http.ClientCredentialsAsync(clientId, secret, "read:users")).Error);
    }

    [Fact]
    public async Task AWrongSecret_IsRefused_EvenRightAfterTheRightOne()
    {
        var (clientId, secret) = await CreateMachineClientAsync();
        using var http = fixture.Server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, secret, "read:users")).Status);

        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, (await http.ClientCredentialsAsync(clientId, secret + "x", "read:users")).Error);
        Assert.Equal(OpenIddictConstants.Errors.InvalidClient, (await http.ClientCredentialsAsync(clientId, secret[..^1], "read:users")).Error);
    }

    [Fact]
    public void ARememberedSecret_IsKeyedByTheStoredHashToo()
    {
        using var verified = new VerifiedClientSecrets();
        verified.Remember("the secret", "stored hash A");

        Assert.True(verified.IsKnown("the secret", "stored hash A"));
        Assert.False(verified.IsKnown("the secret", "stored hash B"));
        Assert.False(verified.IsKnown("the secreT", "stored hash A"));
        // Length-prefixed: moving characters between the two parts is another key.
        Assert.False(verified.IsKnown("secret", "stored hash Athe "));
    }

    private async Task<(string ClientId, string Secret)> CreateMachineClientAsync()
    {
        var clientId = $"machine-{Guid.NewGuid():N}";
        var created = await AdministerAsync(clients => clients.CreateAsync(
            new ClientChange { ClientId = clientId, Type = OpenIddictConstants.ClientTypes.Confidential, Scopes = ["read:users"] }, "tests", CancellationToken.None));
        return (clientId, Assert.IsType<ClientResult.Done>(created).Secret!);
    }

    private async Task<ClientResult> AdministerAsync(Func<ClientAdministration, Task<ClientResult>> action)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ClientAdministration>());
    }
}
