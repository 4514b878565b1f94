using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Login;

public class ScriptContextTests(ClientAwareScriptFixture fixture) : IClassFixture<ClientAwareScriptFixture>
{
    [Fact]
    public async Task TheLoginScript_SeesTheApplicationThePersonSignsInTo()
    {
        var legacy = await fixture.Legacy.AddUserAsync("signing in to the web app");
        using var browser = fixture.CreateBrowser();

        await browser.SignInAsync(TestClients.Web, new TestUser(Guid.Empty, legacy.Email, legacy.Email, legacy.Password));

        var normalized = legacy.Email.ToUpperInvariant();
        var metadata = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized)
            .Select(u => u.UserMetadata).SingleAsync(TestContext.Current.CancellationToken));
        Assert.Equal(TestClients.Web.ClientId, JsonDocument.Parse(metadata!).RootElement.GetProperty("signedInThrough").GetString());
    }

    [Fact]
    public async Task TheLoginScript_SeesNoApplication_WhenThePersonCameStraightToTheLoginPage()
    {
        var legacy = await fixture.Legacy.AddUserAsync("straight to the login page");

        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);

        var normalized = legacy.Email.ToUpperInvariant();
        var metadata = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized)
            .Select(u => u.UserMetadata).SingleAsync(TestContext.Current.CancellationToken));
        var root = metadata is null ? default : JsonDocument.Parse(metadata).RootElement;
        Assert.True(metadata is null || !root.TryGetProperty("signedInThrough", out var through) || through.ValueKind == JsonValueKind.Null, metadata);
    }

    [Fact]
    public async Task ALocalReturnUrl_WithAQueryButNoClientId_SignsInWithNoApplication()
    {
        var legacy = await fixture.Legacy.AddUserAsync("a return url of its own");
        using var browser = fixture.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Login");

        // A query without client_id once failed the whole sign-in with a 500.
        var page = await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Identifier"] = legacy.Email, ["Input.Password"] = legacy.Password, ["ReturnUrl"] = "/demo?state=1",
        });

        Assert.True((int)page.Status < 500, page.Html);
        Assert.False(page.IsLogin);
    }
}
