using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

public sealed class AspNetCoreRelyingPartyTests(AspNetCoreRelyingPartyServer live) : IClassFixture<AspNetCoreRelyingPartyServer>
{
    private AspNetCoreRelyingParty App => live.RelyingParty;

    [Fact]
    public async Task DefaultHandler_SignsInALegacyUser_ReadsClaims_Refreshes_AndSignsOut()
    {
        var legacy = await live.Legacy.AddUserAsync("a password from the old system", "Grace", "Hopper");
        var page = await live.NewPageAsync();

        // The application challenges; the person signs in at our login page with the password the legacy system knows.
        await page.GotoAsync(App.Url("/"));
        await ArriveAsync(page, "**/Account/Login**");
        await page.GetByLabel("Email or username").FillAsync(legacy.Email);
        await page.GetByLabel("Password").FillAsync(legacy.Password);
        var formPost = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync(),
            response => response.Url.Contains("/connect/authorize", StringComparison.Ordinal) && response.Status == 200);

        // The authorization response is the form_post page, under the same strict policy as every page; its own script posts it.
        await ArriveAsync(page, App.Url("/"));
        var policy = await formPost.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(page, "aspnetcore-signed-in");

        var user = await live.Server.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Email == legacy.Email));
        Assert.NotNull(user.MigratedAt);
        var claims = await ClaimsAsync(page);
        Assert.Contains((System.Security.Claims.ClaimTypes.NameIdentifier, user.Id.ToString()), claims);
        Assert.Contains(claims, c => c.Value == legacy.Email && c.Type.EndsWith("emailaddress", StringComparison.Ordinal));
        Assert.Contains(claims, c => c.Value == "Grace" && c.Type.EndsWith("givenname", StringComparison.Ordinal));
        var saved = (await page.Locator("#tokens").InnerTextAsync()).Split(' ');
        Assert.Subset(saved.ToHashSet(), new HashSet<string> { "access_token", "refresh_token", "id_token" });
        var userInfo = Assert.Single(App.UserInfoResponses, u => u.GetProperty("sub").GetString() == user.Id.ToString());
        Assert.Equal(legacy.Email, userInfo.GetProperty("email").GetString());

        // The saved refresh token rolls, and the new access token works at userinfo.
        await page.GotoAsync(App.Url("/refresh"));
        Assert.Equal("True", await page.Locator("#rotated").InnerTextAsync());
        Assert.Equal(legacy.Email, await page.Locator("#userinfo-email").InnerTextAsync());

        // Signing out ends both sessions: ours after the person confirms, then back to the application.
        await page.GotoAsync(App.Url("/signout"));
        await ArriveAsync(page, "**/Account/Logout**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArriveAsync(page, App.Url("/signed-out"));
        Assert.Equal("False", await page.Locator("#authenticated").InnerTextAsync());
        await page.GotoAsync(App.Url("/"));
        await ArriveAsync(page, "**/Account/Login**");
    }

    [Fact]
    public async Task FormPost_WithoutJavaScript_ShowsAButtonThatCompletesTheSignIn()
    {
        var person = await live.Server.Services.CreateUserAsync(password: "no scripts in this browser");
        await using var context = await live.Browser.NewTestContextAsync(new() { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();

        await page.GotoAsync(App.Url("/"));
        await ArriveAsync(page, "**/Account/Login**");
        await page.GetByLabel("Email or username").FillAsync(person.Email);
        await page.GetByLabel("Password").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await ArriveAsync(page, "**/connect/authorize**");
        await LiveServer.SaveScreenshotAsync(page, "form-post-without-javascript");
        var proceed = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
        Assert.True(await proceed.IsVisibleAsync());
        await proceed.ClickAsync();
        await ArriveAsync(page, App.Url("/"));
        Assert.Contains((System.Security.Claims.ClaimTypes.NameIdentifier, person.Id.ToString()), await ClaimsAsync(page));
    }

    /// <summary>Waits to land on <paramref name="url"/>; a page that never gets there fails with what it shows instead.</summary>
    private static async Task ArriveAsync(IPage page, string url)
    {
        try
        {
            await page.WaitForURLAsync(url);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Expected {url}, stayed on {page.Url}:\n{await page.Locator("body").InnerTextAsync()}");
        }
    }

    private static async Task<List<(string Type, string Value)>> ClaimsAsync(IPage page)
    {
        var types = await page.Locator("#claims dt").AllInnerTextsAsync();
        var values = await page.Locator("#claims dd").AllInnerTextsAsync();
        return [.. types.Zip(values)];
    }
}
