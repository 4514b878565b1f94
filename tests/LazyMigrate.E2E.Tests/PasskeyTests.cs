using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// Passkeys in Chromium with a virtual authenticator (the DevTools WebAuthn domain: CTAP2, internal transport,
/// resident keys, user verification that succeeds): registered on the security page, used after the password as the
/// second factor, used alone through a real authorization request, and removed through the management API.
/// </summary>
public partial class PasskeyTests(PasskeyServer live) : IClassFixture<PasskeyServer>
{
    // A ceremony is a fetch, the authenticator and a form post with a page load: on a busy machine, longer than
    // Playwright's default 5 s. A bound for the poll, not a figure the test checks.
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 60_000 };

    [Fact]
    public async Task Passkey_RegisteredOnTheSecurityPage_IsStoredNamed_AndCanBeRenamed()
    {
        var user = await live.Server.Services.CreateUserAsync(password: "a passphrase for the passkey registration");
        await using var context = await live.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();
        await AddAuthenticatorAsync(context, page);

        await SignInToSecurityPageAsync(page, user);
        await RegisterAsync(page, "Work laptop");

        Assert.Equal("Work laptop", await page.Locator("table.passkeys .passkey-name").InnerTextAsync());
        Assert.Equal("Never", await page.Locator("table.passkeys .passkey-last-used").InnerTextAsync());
        await LiveServer.SaveScreenshotAsync(page, "passkey-registered");
        var stored = await PasskeysOfAsync(user.Id);
        Assert.Single(stored);
        Assert.Equal("Work laptop", stored[0].Data.Name);
        Assert.True(stored[0].Data.IsUserVerified);
        Assert.True(await TwoFactorEnabledAsync(user.Id), "A passkey is a second factor: sign-in now asks for one.");

        await page.GetByLabel("New name").FillAsync("Home laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.passkeys .passkey-name")).ToHaveTextAsync("Home laptop", Slow);
        Assert.Equal("Home laptop", (await PasskeysOfAsync(user.Id)).Single().Data.Name);
    }

    [Fact]
    public async Task Passkey_AfterThePassword_IsTheSecondFactor_AndAloneSignsIn_ThenTheApiRemovesIt()
    {
        var user = await live.Server.Services.CreateUserAsync(password: "a passphrase for the passkey sign-in");
        await using var context = await live.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();
        await AddAuthenticatorAsync(context, page);
        await SignInToSecurityPageAsync(page, user);
        await RegisterAsync(page, "Phone");

        // Password, then the passkey on the code page, then the application: amr says both.
        await context.ClearCookiesAsync();
        await page.GotoAsync(new Uri(live.Issuer, "demo/start").AbsoluteUri);
        await page.WaitForURLAsync("**/Account/Login**");
        await FillPasswordAsync(page, user);
        await page.WaitForURLAsync("**/Account/SecondFactor**");
        // No authenticator app: the page offers the passkey only.
        Assert.Equal(0, await page.GetByLabel("Code").CountAsync());
        await LiveServer.SaveScreenshotAsync(page, "passkey-second-factor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey" }).ClickAsync();
        await page.WaitForURLAsync("**/demo/callback**");
        Assert.Equal(["hwk", "mfa", "pwd"], await AmrAsync(page));
        Assert.NotNull((await PasskeysOfAsync(user.Id)).Single().LastUsedAt);

        // No password at all: the login page's passkey button, through a real authorization request of the demo client.
        await context.ClearCookiesAsync();
        await page.GotoAsync(new Uri(live.Issuer, "demo/start").AbsoluteUri);
        await page.WaitForURLAsync("**/Account/Login**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await page.WaitForURLAsync("**/demo/callback**");
        Assert.Equal(["hwk"], await AmrAsync(page));
        Assert.Contains(await page.Locator("table.claims tbody tr").AllInnerTextsAsync(), row => row.StartsWith("sub", StringComparison.Ordinal) && row.Contains(user.Id.ToString(), StringComparison.Ordinal));

        // The management API lists it as a factor (never its credential id or key) and removes it.
        using var api = await ManagementApiAsync();
        var listed = await api.GetStringAsync($"api/v1/users/{user.Id}/mfa", TestContext.Current.CancellationToken);
        var factor = JsonDocument.Parse(listed).RootElement.GetProperty("factors").EnumerateArray().Single();
        Assert.Equal("passkey", factor.GetProperty("kind").GetString());
        Assert.Equal("Phone", factor.GetProperty("name").GetString());
        var credentialId = (await PasskeysOfAsync(user.Id)).Single().CredentialId;
        Assert.DoesNotContain(Convert.ToBase64String(credentialId).TrimEnd('='), listed, StringComparison.Ordinal);
        Assert.DoesNotContain(Base64Url(credentialId), listed, StringComparison.Ordinal);

        using (var removed = await api.DeleteAsync($"api/v1/users/{user.Id}/mfa/{factor.GetProperty("id").GetString()}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        Assert.Empty(await PasskeysOfAsync(user.Id));
        Assert.False(await TwoFactorEnabledAsync(user.Id), "No factor left: sign-in asks for the password only.");

        // The removed passkey no longer signs in.
        await context.ClearCookiesAsync();
        await page.GotoAsync(new Uri(live.Issuer, "Account/Login").AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That passkey didn't work", new() { Timeout = Slow.Timeout });
    }

    /// <summary>A virtual authenticator for this page: what a phone or laptop with a screen lock would be.</summary>
    private static async Task AddAuthenticatorAsync(IBrowserContext context, IPage page)
    {
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
    }

    private async Task SignInToSecurityPageAsync(IPage page, TestUser user)
    {
        await page.GotoAsync(new Uri(live.Issuer, "Account/Security").AbsoluteUri);
        await page.WaitForURLAsync("**/Account/Login**");
        await FillPasswordAsync(page, user);
        await page.WaitForURLAsync("**/Account/Security");
    }

    private static async Task RegisterAsync(IPage page, string name)
    {
        await page.GetByLabel("Name of the new passkey").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.passkeys .passkey-name")).ToHaveTextAsync(name, Slow);
    }

    private static async Task FillPasswordAsync(IPage page, TestUser user)
    {
        await page.GetByLabel("Email or username").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// <summary>The verified ID token's amr, as the demo application shows it (one row per value).</summary>
    private static async Task<string[]> AmrAsync(IPage page) =>
        (await page.Locator("table.claims tbody tr").AllInnerTextsAsync())
            .Where(row => row.StartsWith("amr", StringComparison.Ordinal))
            .SelectMany(row => Word().Matches(row["amr".Length..]).Select(m => m.Value))
            .Order(StringComparer.Ordinal).ToArray();

    private async Task<HttpClient> ManagementApiAsync()
    {
        var api = new HttpClient { BaseAddress = live.Issuer };
        var machine = TestClients.Machine;
        var token = await api.ClientCredentialsAsync(machine.ClientId, machine.Secret, "read:users update:users");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        return api;
    }

    private async Task<List<UserPasskey>> PasskeysOfAsync(Guid userId)
    {
        await using var scope = live.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        return await db.Set<UserPasskey>().AsNoTracking().Where(p => p.UserId == userId).ToListAsync(TestContext.Current.CancellationToken);
    }

    private async Task<bool> TwoFactorEnabledAsync(Guid userId)
    {
        await using var scope = live.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        return await db.Users.Where(u => u.Id == userId).Select(u => u.TwoFactorEnabled).SingleAsync(TestContext.Current.CancellationToken);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("[a-z]+")]
    private static partial Regex Word();
}
