using LazyMigrate.Server.Oidc;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>The issuer as published, and the start-up checks of clients that serve an API.</summary>
public sealed class OidcOptionsTests
{
    [Theory]
    [InlineData("https://login.example.com", "https://login.example.com", "https://login.example.com/")]
    [InlineData("https://login.example.com/", "https://login.example.com/", "https://login.example.com/")]
    [InlineData("https://Login.Example.com:8443", "https://login.example.com:8443", "https://login.example.com:8443/")]
    [InlineData("https://example.com/login", "https://example.com/login", "https://example.com/login/")]
    [InlineData("https://example.com/login/", "https://example.com/login/", "https://example.com/login/")]
    public void Issuer_IsPublishedAsConfigured_WhileRelativePathsResolveUnderIt(string configured, string published, string baseUri)
    {
        var options = new OidcOptions { Issuer = new Uri(configured) };

        Assert.Equal(published, options.PublishedIssuer.AbsoluteUri);
        Assert.Equal(baseUri, options.IssuerUri.AbsoluteUri);
        Assert.Equal(baseUri + "connect/token", new Uri(options.IssuerUri, "connect/token").AbsoluteUri);
    }

    [Fact]
    public void ApiScopes_OfAConfidentialClient_AreAccepted()
    {
        var result = Validate(new ClientDefinition { ClientId = "orders-api", ClientSecret = "s", ApiScopes = ["orders:read", "orders:write"] });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(null, "orders:read", "needs a ClientSecret")]
    [InlineData("s", "openid", "is a scope of this server")]
    [InlineData("s", "read:users", "is a scope of this server")]
    [InlineData("s", "orders read", "is not a scope name")]
    public void ApiScopes_ThatCannotWork_StopStartUpNamingTheSetting(string? secret, string scope, string reason)
    {
        var client = new ClientDefinition { ClientId = "orders-api", ClientSecret = secret, ApiScopes = [scope] };
        if (secret is null)
        {
            client.RedirectUris.Add(new Uri("https://orders.example/callback"));
        }

        var result = Validate(client);

        Assert.True(result.Failed);
        Assert.Contains("LazyMigrate:Clients:0:ApiScopes:0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(ClientDefinition client) =>
        new OidcOptionsValidator().Validate(null, new OidcOptions { Issuer = new Uri("https://login.example.com"), Clients = [client] });
}
