using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>Requests the server must refuse, each with the OAuth error a client can act on.</summary>
public sealed class ProtocolErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ClientCredentials_ForAConfidentialClient_IssuesAnAccessTokenWithItsScopes()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");
        var introspection = await browser.Http.IntrospectAsync(TestClients.Machine, tokens.AccessToken!);

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Null(tokens.RefreshToken);
        Assert.Null(tokens.IdToken);
        Assert.Equal("true", introspection["active"]);
        Assert.Equal(TestClients.Machine.ClientId, introspection["sub"]);
        Assert.Equal(TestClients.Machine.ClientId, introspection["client_id"]);
    }

    [Fact]
    public async Task ClientCredentials_WithAScopeTheClientWasNotGiven_IsRefused()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "admin:everything");

        Assert.Equal("invalid_scope", tokens.Error);
    }

    [Fact]
    public async Task ClientCredentials_WithAWrongSecret_IsInvalidClient()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Machine.ClientId, "not-the-secret");

        Assert.Equal("invalid_client", tokens.Error);
        Assert.Null(tokens.AccessToken);
    }

    [Fact]
    public async Task ClientCredentials_ForAnUnknownClient_IsInvalidClient()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync("nobody", "whatever");

        Assert.Equal("invalid_client", tokens.Error);
    }

    [Fact]
    public async Task ClientCredentials_ForAPublicClient_IsRefused()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Web.ClientId, secret: null);

        // A public client cannot authenticate, and client credentials is nothing but client authentication.
        Assert.Equal("invalid_request", tokens.Error);
        Assert.Null(tokens.AccessToken);
    }

    [Fact]
    public async Task Authorize_ForAnUnknownClient_ShowsTheErrorInsteadOfRedirecting()
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web with { ClientId = "nobody" });

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Null(page.ExternalRedirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("invalid_request", page.AuthorizationError);
    }

    [Theory]
    [InlineData("https://evil.example/callback")]
    [InlineData("https://web.example/callback/other")]
    [InlineData("https://web.example/callback?extra=1")]
    [InlineData("http://web.example/callback")]
    public async Task Authorize_WithARedirectUriNotRegisteredExactly_NeverRedirectsThere(string redirectUri)
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web) { RedirectUri = new Uri(redirectUri) };

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Null(page.ExternalRedirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("invalid_request", page.AuthorizationError);
        Assert.Contains("redirect_uri", page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeExchange_WithADifferentRedirectUri_IsInvalidGrant()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web);
        var callback = new Callback((await browser.AuthorizeAsync(request, user)).ExternalRedirect!);

        var tokens = await browser.Http.ExchangeCodeAsync(request with { RedirectUri = new Uri("https://web.example/other") }, callback.Code!);

        Assert.Equal("invalid_grant", tokens.Error);
    }

    [Fact]
    public async Task Authorize_WithoutPkce_IsInvalidRequest()
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web) { CodeChallengeMethod = null };

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Equal("invalid_request", page.AuthorizationError);
        Assert.Contains("code_challenge", page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_WithPlainPkce_IsInvalidRequest()
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web) { CodeChallengeMethod = "plain" };

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Equal("invalid_request", page.AuthorizationError);
        Assert.Contains("code_challenge_method", page.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("id_token")]
    [InlineData("id_token token")]
    [InlineData("code id_token")]
    public async Task Authorize_WithImplicitOrHybridResponseTypes_IsUnsupportedResponseType(string responseType)
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web) { ResponseType = responseType };

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Equal("unsupported_response_type", page.AuthorizationError);
        Assert.Null(page.ExternalRedirect);
    }

    [Fact]
    public async Task PasswordGrant_IsUnsupportedGrantType()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.PostFormAsync("/connect/token", new()
        {
            ["grant_type"] = "password",
            ["client_id"] = TestClients.Machine.ClientId,
            ["client_secret"] = TestClients.Machine.Secret!,
            ["username"] = user.Email,
            ["password"] = user.Password,
        });

        Assert.Equal("unsupported_grant_type", tokens.Error);
        Assert.Null(tokens.AccessToken);
    }

    [Fact]
    public async Task UserInfo_WithAForgedToken_IsInvalidToken()
    {
        using var browser = fixture.CreateBrowser();

        var userInfo = await browser.Http.UserInfoAsync("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.Status);
        Assert.Equal("invalid_token", userInfo.Error);
    }

    [Fact]
    public async Task Discovery_AdvertisesOnlyTheSupportedFlows()
    {
        using var browser = fixture.CreateBrowser();

        var discovery = System.Text.Json.JsonDocument.Parse(
            await browser.Http.GetStringAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(LazyMigrateServer.InMemoryIssuer.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token"],
            discovery.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(["code"], discovery.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }
}
