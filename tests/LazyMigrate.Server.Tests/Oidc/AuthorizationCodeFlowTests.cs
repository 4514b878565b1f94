using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Oidc;

public sealed class AuthorizationCodeFlowTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly Uri Issuer = LazyMigrateServer.InMemoryIssuer;

    [Fact]
    public async Task CodeFlow_ThroughTheLoginForm_IssuesTokensVerifiableAgainstJwks()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web);

        var login = await browser.NavigateAsync(request.ToUrl());
        Assert.True(login.IsLogin, $"Expected the login page, got {login.Url}");
        Assert.Contains("__RequestVerificationToken", login.Html, StringComparison.Ordinal);
        var page = await browser.LogInAsync(login, user.Email, user.Password);

        var callback = new Callback(page.ExternalRedirect!);
        Assert.StartsWith(TestClients.Web.RedirectUri!.AbsoluteUri, callback.Uri.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(request.State, callback.State);
        Assert.Equal(Issuer.AbsoluteUri, callback["iss"]);

        var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.NotNull(tokens.AccessToken);
        Assert.NotNull(tokens.RefreshToken);

        var idToken = await browser.Http.ValidateIdTokenAsync(tokens.IdToken!, Issuer, TestClients.Web.ClientId);
        Assert.Equal(user.Id.ToString(), idToken.Subject);
        Assert.Equal(request.Nonce, idToken.GetPayloadValue<string>("nonce"));
        Assert.Equal(user.Email, idToken.GetPayloadValue<string>("email"));
        Assert.True(idToken.GetPayloadValue<bool>("email_verified"));
        Assert.Equal("Ada Lovelace", idToken.GetPayloadValue<string>("name"));
        Assert.Equal("Lovelace", idToken.GetPayloadValue<string>("family_name"));

        var userInfo = await browser.Http.UserInfoAsync(tokens.AccessToken!);
        Assert.Equal(HttpStatusCode.OK, userInfo.Status);
        Assert.Equal(user.Id.ToString(), userInfo["sub"]);
        Assert.Equal(user.Email, userInfo["email"]);
        Assert.Equal("Ada", userInfo["given_name"]);
        Assert.Equal(user.UserName, userInfo["preferred_username"]);
        Assert.Equal("+44 20 7946 0000", userInfo["phone_number"]);
    }

    [Fact]
    public async Task CodeFlow_WithoutProfileScope_LeavesProfileClaimsOut()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();

        var flow = await browser.SignInAsync(TestClients.Web, user, scope: "openid email");

        var idToken = await browser.Http.ValidateIdTokenAsync(flow.Tokens.IdToken!, Issuer, TestClients.Web.ClientId);
        Assert.Equal(user.Email, idToken.GetPayloadValue<string>("email"));
        Assert.False(idToken.TryGetPayloadValue<string>("name", out _));
        Assert.False(idToken.TryGetPayloadValue<string>("phone_number", out _));
        var userInfo = await browser.Http.UserInfoAsync(flow.Tokens.AccessToken!);
        Assert.Null(userInfo["name"]);
        Assert.Equal(user.Email, userInfo["email"]);
    }

    [Fact]
    public async Task AuthorizationCode_CanBeRedeemedOnlyOnce()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web);
        var callback = new Callback((await browser.AuthorizeAsync(request, user)).ExternalRedirect!);

        var first = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
        var second = await browser.Http.ExchangeCodeAsync(request, callback.Code!);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("invalid_grant", second.Error);
    }

    [Fact]
    public async Task CodeExchange_WithWrongVerifier_IsRefused()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web);
        var callback = new Callback((await browser.AuthorizeAsync(request, user)).ExternalRedirect!);

        var tokens = await browser.Http.ExchangeCodeAsync(request with { CodeVerifier = "another-verifier-another-verifier-0123456789" }, callback.Code!);

        Assert.Equal("invalid_grant", tokens.Error);
    }

    [Fact]
    public async Task RefreshToken_IsRotated_AndReusingTheOldOneRevokesTheChain()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var flow = await browser.SignInAsync(TestClients.Web, user);

        var refreshed = await browser.Http.RefreshAsync(TestClients.Web, flow.Tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.NotNull(refreshed.RefreshToken);
        Assert.NotEqual(flow.Tokens.RefreshToken, refreshed.RefreshToken);
        var idToken = await browser.Http.ValidateIdTokenAsync(refreshed.IdToken!, Issuer, TestClients.Web.ClientId);
        Assert.Equal(user.Id.ToString(), idToken.Subject);

        var replayed = await browser.Http.RefreshAsync(TestClients.Web, flow.Tokens.RefreshToken!);
        Assert.Equal("invalid_grant", replayed.Error);

        // Reuse means the token leaked: the rotated token issued from it dies with it.
        var afterReuse = await browser.Http.RefreshAsync(TestClients.Web, refreshed.RefreshToken!);
        Assert.Equal("invalid_grant", afterReuse.Error);
    }

    [Fact]
    public async Task Revocation_OfTheRefreshToken_StopsItWorking()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var flow = await browser.SignInAsync(TestClients.Web, user);

        var revoked = await browser.Http.RevokeAsync(TestClients.Web, flow.Tokens.RefreshToken!, "refresh_token");
        var refreshed = await browser.Http.RefreshAsync(TestClients.Web, flow.Tokens.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task Revocation_OfTheAccessToken_IsHonouredByUserinfo()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var flow = await browser.SignInAsync(TestClients.Web, user);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.UserInfoAsync(flow.Tokens.AccessToken!)).Status);

        var revoked = await browser.Http.RevokeAsync(TestClients.Web, flow.Tokens.AccessToken!, "access_token");
        var userInfo = await browser.Http.UserInfoAsync(flow.Tokens.AccessToken!);

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.Status);
        Assert.Equal("invalid_token", userInfo.Error);
    }

    [Fact]
    public async Task EndSession_AfterConfirmation_SignsOutAndReturnsToTheClient()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var flow = await browser.SignInAsync(TestClients.Web, user);

        var confirm = await browser.NavigateAsync("/connect/endsession?" + string.Join('&',
            "id_token_hint=" + Uri.EscapeDataString(flow.Tokens.IdToken!),
            "post_logout_redirect_uri=" + Uri.EscapeDataString(TestClients.Web.PostLogoutRedirectUri!.AbsoluteUri),
            "state=bye"));
        Assert.True(confirm.IsLogout, $"Expected the logout confirmation, got {confirm.Url}");
        var done = await browser.SubmitAsync(confirm, button: "submit.Logout");

        Assert.NotNull(done.ExternalRedirect);
        Assert.StartsWith(TestClients.Web.PostLogoutRedirectUri!.AbsoluteUri, done.ExternalRedirect!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("bye", new Callback(done.ExternalRedirect).State);

        // The session is gone: a silent request now needs a login.
        var silent = await browser.AuthorizeAsync(new AuthorizationRequest(TestClients.Web) { Prompt = "none" }, user: null);
        Assert.Equal("login_required", new Callback(silent.ExternalRedirect!).Error);
    }

    [Fact]
    public async Task EndSession_WithoutTheConfirmationForm_DoesNotSignOut()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        await browser.SignInAsync(TestClients.Web, user);

        // A cross-site POST has no antiforgery token: it only lands on the confirmation page.
        using var response = await browser.Http.PostAsync("/connect/endsession",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["submit.Logout"] = "yes" }), TestContext.Current.CancellationToken);
        var silent = await browser.AuthorizeAsync(new AuthorizationRequest(TestClients.Web) { Prompt = "none" }, user: null);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Logout", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.NotNull(new Callback(silent.ExternalRedirect!).Code);
    }

    [Fact]
    public async Task Consent_WhenAccepted_IssuesACodeAndIsRemembered()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();

        var first = await browser.AuthorizeAsync(new AuthorizationRequest(TestClients.NeedsConsent), user, consent: true);
        var second = await browser.NavigateAsync(new AuthorizationRequest(TestClients.NeedsConsent).ToUrl());

        Assert.NotNull(new Callback(first.ExternalRedirect!).Code);
        Assert.NotNull(new Callback(second.ExternalRedirect!).Code);
    }

    [Fact]
    public async Task Consent_WhenDenied_ReturnsAccessDenied()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();

        var page = await browser.AuthorizeAsync(new AuthorizationRequest(TestClients.NeedsConsent), user, consent: false);

        Assert.Equal("access_denied", new Callback(page.ExternalRedirect!).Error);
    }

    [Fact]
    public async Task Consent_PostedWithoutAntiforgeryToken_IsNotTakenAsConsent()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var login = await browser.NavigateAsync(new AuthorizationRequest(TestClients.NeedsConsent).ToUrl());
        var consent = login.IsLogin ? await browser.LogInAsync(login, user.Email, user.Password) : login;
        Assert.True(consent.IsConsent, $"Expected the consent page, got {consent.Url}");

        // Same fields as the real form, minus the antiforgery token: another site could forge exactly this.
        var fields = System.Text.RegularExpressions.Regex.Matches(consent.Html, "name=\"(?<n>[^\"]+)\" value=\"(?<v>[^\"]*)\"")
            .Where(m => m.Groups["n"].Value != "__RequestVerificationToken")
            .ToDictionary(m => m.Groups["n"].Value, m => System.Net.WebUtility.HtmlDecode(m.Groups["v"].Value));
        fields["submit.Accept"] = "yes";
        using var response = await browser.Http.PostAsync("/connect/authorize", new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Consent", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}
