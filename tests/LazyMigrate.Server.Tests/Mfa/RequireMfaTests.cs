using System.Net;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Mfa;

/// <summary>A server with a client whose RequireMfa setting is on.</summary>
public sealed class RequireMfaFixture : ServerFixture
{
    public static readonly TestClient Strict = new("strict-app", RedirectUri: new Uri("https://strict.example/callback"));

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        var index = TestClients.All.Count;
        foreach (var (key, value) in Strict.ToSettings(index))
        {
            settings[key] = value;
        }

        settings[$"LazyMigrate:Clients:{index}:RequireMfa"] = "true";
    }
}

/// <summary>A client that requires a second factor: enrolment is offered at sign-in, and the ID token says what happened.</summary>
public partial class RequireMfaTests(RequireMfaFixture fixture) : IClassFixture<RequireMfaFixture>
{
    [Fact]
    public async Task RequireMfaClient_UserWithoutFactor_EnrolsAtSignIn_ThenGetsATokenWithMfa()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(RequireMfaFixture.Strict);

        var page = await browser.LogInAsync(await browser.NavigateAsync(request.ToUrl()), user.Email, user.Password);
        Assert.Equal("/Account/Security", page.Url.AbsolutePath);
        Assert.Contains("asks for a second factor", page.Html, StringComparison.Ordinal);
        var app = new AuthenticatorApp(Key().Match(page.Html).Groups["key"].Value.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant());

        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Code"] = await app.NextCodeAsync() });
        Assert.Equal(10, RecoveryCodeItem().Count(page.Html));
        var next = WebUtility.HtmlDecode(Continue().Match(page.Html).Groups["href"].Value);
        Assert.StartsWith("/connect/authorize", next, StringComparison.Ordinal);

        page = await browser.NavigateAsync(next);
        var callback = new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"Stopped at {page.Url}"));
        var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code!);
        var idToken = await browser.Http.ValidateIdTokenAsync(tokens.IdToken!, LazyMigrateServer.InMemoryIssuer, RequireMfaFixture.Strict.ClientId);
        Assert.Contains("mfa", idToken.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
    }

    [Fact]
    public async Task RequireMfaClient_SessionWithPasswordOnly_IsAskedForTheCode_AndOtherClientsAreNot()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, user);
        using var browser = fixture.CreateBrowser();
        var login = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        var done = await browser.SubmitAsync(login, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync(), ["Input.RememberBrowser"] = "true" });
        Assert.Equal("/", done.Url.AbsolutePath);

        // Signed out, then in again in the same (remembered) browser: an ordinary client gets no code step...
        var confirm = await browser.NavigateAsync("/connect/endsession");
        Assert.True(confirm.IsLogout, $"Expected the logout confirmation, got {confirm.Url}");
        await browser.SubmitAsync(confirm, button: "submit.Logout");

        var web = new AuthorizationRequest(TestClients.Web);
        var page = await browser.LogInAsync(await browser.NavigateAsync(web.ToUrl()), user.Email, user.Password);
        Assert.NotNull(page.ExternalRedirect);

        // ...but not for the strict one: its authorization steps the session up, to the code alone (the password is proved).
        var strict = new AuthorizationRequest(RequireMfaFixture.Strict);
        page = await browser.NavigateAsync(strict.ToUrl());
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
        Assert.NotNull(new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"Stopped at {page.Url}: {page.Alert}")).Code);
    }

    [GeneratedRegex("class=\"authenticator-key\">(?<key>[^<]+)<")]
    private static partial Regex Key();

    [GeneratedRegex("<li><code>[A-Z0-9]{5}-[A-Z0-9]{5}</code></li>")]
    private static partial Regex RecoveryCodeItem();

    [GeneratedRegex("<a class=\"button primary\" href=\"(?<href>[^\"]+)\">Continue</a>")]
    private static partial Regex Continue();
}
