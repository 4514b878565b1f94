using System.Net;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Console;

/// <summary>The console's editor knows listUsers: listed on the connection, a cursor to try from, the page shown without hashes.</summary>
public partial class ListUsersEditorTests(PullImportServerFixture fixture) : IClassFixture<PullImportServerFixture>
{
    [Fact]
    public async Task Editor_ListUsers_TriesAPage_AndShowsHashFormatsNotHashes()
    {
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        var legacy = await fixture.Legacy.AddUserAsync("editor-page-password");
        var hash = (string?)await fixture.Legacy.QueryScalarAsync("SELECT password_hash FROM users WHERE email = @email", ("email", legacy.Email));
        using var browser = fixture.CreateBrowser();
        Assert.False((await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), TestUsers.AdminEmail, TestUsers.AdminPassword)).IsLogin);

        var connection = await browser.NavigateAsync("/console/connections/legacy");
        var editor = await browser.NavigateAsync("/console/connections/legacy/scripts/listUsers");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(editor.Html).Groups[1].Value,
            ["Draft"] = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "demo", "legacy", "listUsers.js"), TestContext.Current.CancellationToken),
            ["TryCursor"] = "",
        });
        using var response = await browser.Http.PostAsync(new Uri("/console/connections/legacy/scripts/listUsers/try", UriKind.Relative), form, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("/scripts/listUsers", connection.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, editor.Status);
        Assert.Contains("name=\"TryCursor\"", editor.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"TryPassword\"", editor.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Listed", html, StringComparison.Ordinal);
        Assert.Contains(legacy.Email, html, StringComparison.Ordinal);
        Assert.Contains("<td>bcrypt</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(hash!, html, StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
