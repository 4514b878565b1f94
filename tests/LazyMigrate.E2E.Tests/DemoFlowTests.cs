using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

public class DemoFlowTests(LiveServer live) : IClassFixture<LiveServer>
{
    [Fact]
    public async Task Demo_SignInThroughTheLoginPage_ShowsVerifiedIdTokenClaims()
    {
        var user = await live.Server.Services.CreateUserAsync(password: "a browser's own passphrase");
        await using var context = await live.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(live.Issuer, "demo").AbsoluteUri);
        await LiveServer.SaveScreenshotAsync(page, "demo-start");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with LazyMigrate" }).ClickAsync();

        await page.WaitForURLAsync("**/Account/Login**");
        await page.GetByLabel("Email or username").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await LiveServer.SaveScreenshotAsync(page, "login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await page.WaitForURLAsync("**/demo/callback**");
        await LiveServer.SaveScreenshotAsync(page, "demo-signed-in");
        Assert.Equal("Signed in", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        var claims = await page.Locator("table.claims tbody tr").AllInnerTextsAsync();
        Assert.Contains(claims, row => row.StartsWith("sub", StringComparison.Ordinal) && row.Contains(user.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains(claims, row => row.StartsWith("email", StringComparison.Ordinal) && row.Contains(user.Email, StringComparison.Ordinal));
        Assert.Contains("issued", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPassword_StaysOnTheFormWithAnError()
    {
        var user = await live.Server.Services.CreateUserAsync();
        await using var context = await live.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(live.Issuer, "demo/start").AbsoluteUri);
        await page.WaitForURLAsync("**/Account/Login**");
        await page.GetByLabel("Email or username").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync("not the password at all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await LiveServer.SaveScreenshotAsync(page, "login-failed");
        Assert.Contains("/Account/Login", page.Url, StringComparison.Ordinal);
        Assert.True(await page.GetByRole(AriaRole.Alert).First.IsVisibleAsync());
    }
}
