using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>An authenticator app enrolled, used, regenerated and turned off through the real pages in Chromium.</summary>
public partial class MfaEnrolmentTests(LiveServer live) : IClassFixture<LiveServer>
{
    [Fact]
    public async Task Authenticator_EnrolConfirmSignInRegenerateDisable_ThroughThePages()
    {
        var user = await live.Server.Services.CreateUserAsync(password: "a passphrase for the authenticator test");
        await using var context = await live.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();

        // Enrol: signed in, the page shows the key as text and as a QR image served by the site itself.
        await page.GotoAsync(new Uri(live.Issuer, "Account/Security").AbsoluteUri);
        await page.WaitForURLAsync("**/Account/Login**");
        await SignInAsync(page, user);
        await page.WaitForURLAsync("**/Account/Security");
        var key = (await page.Locator("code.authenticator-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        Assert.Matches("^[A-Z2-7]{32}$", key);
        Assert.True(await page.Locator("img.qr").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 100"), "The QR code image did not load.");
        await LiveServer.SaveScreenshotAsync(page, "mfa-enrol");

        var app = new AuthenticatorApp(key);
        // A code of the key, but ten steps ahead: outside the window, refused.
        await page.GetByLabel("Code from the app").FillAsync(app.Code(AuthenticatorApp.CurrentStep + 10));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        Assert.Contains("didn't work", await page.GetByRole(AriaRole.Alert).InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Code from the app").FillAsync(await app.NextCodeAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        var codes = await page.Locator("ul.recovery-codes li").AllInnerTextsAsync();
        Assert.Equal(10, codes.Count);
        Assert.All(codes, code => Assert.Matches(RecoveryCode(), code));
        await LiveServer.SaveScreenshotAsync(page, "mfa-recovery-codes");

        // Shown once: a reload shows how many are left, not the codes.
        await page.GotoAsync(new Uri(live.Issuer, "Account/Security").AbsoluteUri);
        Assert.Equal(0, await page.Locator("ul.recovery-codes").CountAsync());
        Assert.Equal("10", await page.Locator(".recovery-left").InnerTextAsync());

        // Sign-in elsewhere: password, then the code step, then the application.
        await using (var other = await live.Browser.NewTestContextAsync())
        {
            var signIn = await other.NewPageAsync();
            await signIn.GotoAsync(new Uri(live.Issuer, "demo/start").AbsoluteUri);
            await signIn.WaitForURLAsync("**/Account/Login**");
            await SignInAsync(signIn, user);
            await signIn.WaitForURLAsync("**/Account/SecondFactor**");
            await LiveServer.SaveScreenshotAsync(signIn, "mfa-code-step");
            await signIn.GetByLabel("Code").FillAsync(await app.NextCodeAsync());
            await signIn.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
            await signIn.WaitForURLAsync("**/demo/callback**");
            var claims = await signIn.Locator("table.claims tbody tr").AllInnerTextsAsync();
            Assert.Contains(claims, row => row.StartsWith("amr", StringComparison.Ordinal) && row.Contains("otp", StringComparison.Ordinal));
        }

        // New recovery codes replace the old ones.
        await page.GetByRole(AriaRole.Button, new() { Name = "New recovery codes" }).ClickAsync();
        var fresh = await page.Locator("ul.recovery-codes li").AllInnerTextsAsync();
        Assert.Equal(10, fresh.Count);
        Assert.Empty(fresh.Intersect(codes));

        // Off, after the password again: the enrolment form is back, and sign-in no longer asks for a code.
        await page.GetByLabel("Current password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn off the authenticator app" }).ClickAsync();
        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).IsVisibleAsync());
        await using (var after = await live.Browser.NewTestContextAsync())
        {
            var signIn = await after.NewPageAsync();
            await signIn.GotoAsync(new Uri(live.Issuer, "demo/start").AbsoluteUri);
            await signIn.WaitForURLAsync("**/Account/Login**");
            await SignInAsync(signIn, user);
            await signIn.WaitForURLAsync("**/demo/callback**");
        }
    }

    private static async Task SignInAsync(IPage page, TestUser user)
    {
        await page.GetByLabel("Email or username").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    [GeneratedRegex("^[A-Z0-9]{5}-[A-Z0-9]{5}$")]
    private static partial Regex RecoveryCode();
}
