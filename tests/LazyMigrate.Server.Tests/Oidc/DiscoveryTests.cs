using System.Net;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>What discovery promises, and that tokens and responses keep the promise (relying parties compare strings).</summary>
public sealed class DiscoveryTests(RelyingPartyServerFixture fixture) : IClassFixture<RelyingPartyServerFixture>
{
    private const string Issuer = RelyingPartyServerFixture.Issuer;

    [Fact]
    public async Task Discovery_PublishesTheIssuerExactlyAsConfigured()
    {
        var discovery = await DiscoveryAsync();

        Assert.Equal(Issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "/connect/token", discovery.GetProperty("token_endpoint").GetString());
    }

    [Fact]
    public async Task Discovery_ClaimsSupported_ListsTheUserClaimsTokensCarry()
    {
        var claims = Strings(await DiscoveryAsync(), "claims_supported");

        foreach (var claim in new[]
        {
            "sub", "iss", "aud", "name", "given_name", "family_name", "nickname", "preferred_username", "picture",
            "email", "email_verified", "phone_number", "phone_number_verified",
        })
        {
            Assert.Contains(claim, claims);
        }
    }

    [Fact]
    public async Task Discovery_AdvertisesOnlyClientSecretAuthentication()
    {
        var discovery = await DiscoveryAsync();

        foreach (var endpoint in new[] { "token", "introspection", "revocation" })
        {
            var methods = Strings(discovery, endpoint + "_endpoint_auth_methods_supported");
            Assert.DoesNotContain("private_key_jwt", methods);
            Assert.Contains("client_secret_basic", methods);
            Assert.Contains("client_secret_post", methods);
        }
    }

    [Fact]
    public async Task ClientAssertion_IsNotAcceptedAsClientAuthentication()
    {
        using var browser = fixture.CreateBrowser();
        var key = new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var assertion = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestClients.Machine.ClientId,
            Audience = Issuer + "/connect/token",
            Claims = new Dictionary<string, object> { ["sub"] = TestClients.Machine.ClientId, ["jti"] = Guid.NewGuid().ToString() },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });

        var tokens = await browser.Http.PostFormAsync("/connect/token", new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestClients.Machine.ClientId,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
            ["scope"] = "read:users",
        });

        Assert.Null(tokens.AccessToken);
        Assert.Contains(tokens.Error, new[] { "invalid_client", "invalid_request" });
    }

    [Fact]
    public async Task CodeFlow_CallbackAndTokensCarryThePublishedIssuer_AndIdTokensNoInternalIds()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(RelyingPartyServerFixture.OrdersWeb, "openid profile email offline_access");

        var page = await browser.AuthorizeAsync(request, user);
        var callback = new Callback(page.ExternalRedirect ?? throw new InvalidOperationException(page.Alert ?? page.Url.ToString()));
        var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
        var refreshed = await browser.Http.RefreshAsync(RelyingPartyServerFixture.OrdersWeb, tokens.RefreshToken!);

        Assert.Equal(Issuer, callback["iss"]);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        foreach (var idToken in new[] { tokens.IdToken!, refreshed.IdToken! })
        {
            var token = await browser.Http.ValidateIdTokenAsync(idToken, Issuer, RelyingPartyServerFixture.OrdersWeb.ClientId);
            Assert.Equal(Issuer, token.Issuer);
            Assert.Equal(user.Id.ToString(), token.Subject);
            Assert.DoesNotContain(token.Claims, claim => claim.Type.StartsWith("oi_", StringComparison.Ordinal));
        }

        Assert.Equal(Issuer, (await browser.Http.IntrospectAsync(RelyingPartyServerFixture.OrdersWeb, tokens.AccessToken!))["iss"]);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.UserInfoAsync(refreshed.AccessToken!)).Status);
    }

    [Fact]
    public async Task Demo_AcceptsTheIdTokenOfTheIssuerAsPublished()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();

        var login = await browser.NavigateAsync("/demo/start");
        var callback = await browser.LogInAsync(login, user.Email, user.Password);

        Assert.Equal("/demo/callback", callback.Url.AbsolutePath);
        Assert.Contains("Signed in", callback.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("not valid", callback.Html, StringComparison.Ordinal);
    }

    private async Task<JsonElement> DiscoveryAsync()
    {
        using var http = fixture.Server.CreateClient();
        using var response = await http.GetAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    private static List<string?> Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(value => value.GetString())];
}
