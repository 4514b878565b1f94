using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>
/// acr_values asking for two factors get them for that authorization, whatever the client's own setting; the ID token
/// says what was achieved (acr) and when (auth_time), which max_age relies on.
/// </summary>
public class AcrValuesTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discovery_ListsTheAcrValues_AndTheClaimsThatSayHowThePersonAuthenticated()
    {
        using var http = fixture.Server.CreateClient();
        var document = await http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration", Ct);

        var acr = document.GetProperty("acr_values_supported").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal([AuthenticationContext.MultiFactor, "mfa", "1fa"], acr);
        var claims = document.GetProperty("claims_supported").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Subset(claims.ToHashSet(), new HashSet<string?> { "acr", "amr", "auth_time" });
    }

    [Fact]
    public async Task AcrMfa_PasswordOnlySession_IsAskedForTheCode_ThenTheIdTokenSaysMultiFactor()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, user);
        using var browser = await PasswordOnlySessionAsync(user, app);

        // An ordinary client, no acr_values: the remembered browser skips the code, and the token says one factor.
        var ordinary = new AuthorizationRequest(TestClients.Web);
        var plain = await CompleteAsync(browser, ordinary, await browser.NavigateAsync(ordinary.ToUrl()));
        Assert.Equal("1fa", plain.GetClaim("acr").Value);
        Assert.DoesNotContain("mfa", Amr(plain));

        // The same client asking for two factors: the code step, in this very session, without the password again.
        var request = new AuthorizationRequest(TestClients.Web) { AcrValues = "mfa" };
        var page = await browser.NavigateAsync(request.ToUrl());
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
        var token = await CompleteAsync(browser, request, page);
        Assert.Equal("mfa", token.GetClaim("acr").Value);
        Assert.Contains("otp", Amr(token));
        Assert.Contains("mfa", Amr(token));

        // The session has the second factor now: the PAPE spelling is answered in its own words, with no code step.
        var pape = new AuthorizationRequest(TestClients.Web) { AcrValues = $"urn:unknown:class {AuthenticationContext.MultiFactor}" };
        token = await CompleteAsync(browser, pape, await browser.NavigateAsync(pape.ToUrl()));
        Assert.Equal(AuthenticationContext.MultiFactor, token.GetClaim("acr").Value);
    }

    [Fact]
    public async Task AcrMfa_UserWithoutAFactor_IsSentToEnrolment_AndPromptNoneGetsInteractionRequired()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var first = await browser.SignInAsync(TestClients.Web, user);
        Assert.NotNull(first.Tokens.IdToken);

        var silent = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web) { AcrValues = AuthenticationContext.MultiFactor, Prompt = "none" }.ToUrl());
        Assert.Equal("interaction_required", silent.AuthorizationError);

        var page = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web) { AcrValues = "mfa" }.ToUrl());
        Assert.Equal("/Account/Security", page.Url.AbsolutePath);

        // One factor is still acceptable when the client says so ("mfa 1fa"): no enrolment.
        var either = new AuthorizationRequest(TestClients.Web) { AcrValues = "mfa 1fa" };
        var token = await CompleteAsync(browser, either, await browser.NavigateAsync(either.ToUrl()));
        Assert.Equal("1fa", token.GetClaim("acr").Value);
    }

    [Fact]
    public async Task MaxAge_IdTokenCarriesAuthTime_AndASessionOlderThanMaxAgeSignsInAgain()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new AuthorizationRequest(TestClients.Web) { MaxAge = 3600 };
        var token = await CompleteAsync(browser, request, await browser.AuthorizeAsync(request, user));
        var authTime = AuthTime(token);
        Assert.InRange(authTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        // Once the session is more than a second old, max_age=1 asks for the password again (prompt=none cannot).
        await Wait.ForAsync(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), now => now - authTime > 1, TimeSpan.FromSeconds(10));
        var silent = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web) { MaxAge = 1, Prompt = "none" }.ToUrl());
        Assert.Equal("login_required", silent.AuthorizationError);

        var strict = new AuthorizationRequest(TestClients.Web) { MaxAge = 1 };
        var page = await browser.NavigateAsync(strict.ToUrl());
        Assert.True(page.IsLogin, $"Expected the login page, got {page.Url}");
        token = await CompleteAsync(browser, strict, await browser.LogInAsync(page, user.Email, user.Password));
        Assert.True(AuthTime(token) > authTime);

        // Without max_age the ID token still says when: the same sign-in's time.
        var plain = new AuthorizationRequest(TestClients.Web);
        Assert.Equal(AuthTime(token), AuthTime(await CompleteAsync(browser, plain, await browser.NavigateAsync(plain.ToUrl()))));
    }

    /// <summary>A session from the password alone for a user with a factor: the browser was remembered at an earlier sign-in.</summary>
    private async Task<Browser> PasswordOnlySessionAsync(TestUser user, AuthenticatorApp app)
    {
        var browser = fixture.CreateBrowser();
        var login = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        var done = await browser.SubmitAsync(login, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync(), ["Input.RememberBrowser"] = "true" });
        Assert.Equal("/", done.Url.AbsolutePath);
        var confirm = await browser.NavigateAsync("/connect/endsession");
        await browser.SubmitAsync(confirm, button: "submit.Logout");
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        Assert.Equal("/", page.Url.AbsolutePath);
        return browser;
    }

    private static async Task<JsonWebToken> CompleteAsync(Browser browser, AuthorizationRequest request, Page page)
    {
        var callback = new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"Stopped at {page.Url} ({page.Status}) {page.Alert}"));
        Assert.Null(callback.Error);
        var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
        return await browser.Http.ValidateIdTokenAsync(tokens.IdToken!, LazyMigrateServer.InMemoryIssuer, request.Client.ClientId);
    }

    private static List<string> Amr(JsonWebToken token) => [.. token.Claims.Where(c => c.Type == "amr").Select(c => c.Value)];

    private static long AuthTime(JsonWebToken token)
    {
        Assert.True(token.TryGetPayloadValue<long>("auth_time", out var value), "The ID token has no numeric auth_time.");
        return value;
    }
}

/// <summary>Identity re-checks the session's security stamp at every request (instead of every 30 minutes).</summary>
public sealed class InstantStampCheckFixture : LegacyServerFixture
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.Zero);
}

/// <summary>Identity rebuilds the session's principal when it re-checks the stamp; how and when the person signed in survive it.</summary>
public class SessionRecheckTests(InstantStampCheckFixture fixture) : IClassFixture<InstantStampCheckFixture>
{
    [Fact]
    public async Task SecurityStampRecheck_KeepsTheSecondFactorAndTheAuthenticationTime()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, user);
        using var browser = fixture.CreateBrowser();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var login = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        var done = await browser.SubmitAsync(login, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
        Assert.Equal("/", done.Url.AbsolutePath);
        var signedIn = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Later, so a rebuilt session's renewed cookie would carry another time; each request re-checks the stamp.
        await Wait.ForAsync(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), now => now > signedIn + 1, TimeSpan.FromSeconds(10));
        for (var round = 0; round < 2; round++)
        {
            var request = new AuthorizationRequest(TestClients.Web) { AcrValues = "mfa" };
            var page = await browser.NavigateAsync(request.ToUrl());
            var callback = new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"Asked again at {page.Url}"));
            var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
            var token = await browser.Http.ValidateIdTokenAsync(tokens.IdToken!, LazyMigrateServer.InMemoryIssuer, TestClients.Web.ClientId);
            Assert.Equal("mfa", token.GetClaim("acr").Value);
            Assert.Contains("otp", token.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
            Assert.True(token.TryGetPayloadValue<long>("auth_time", out var authTime));
            Assert.InRange(authTime, before, signedIn);
        }
    }
}
