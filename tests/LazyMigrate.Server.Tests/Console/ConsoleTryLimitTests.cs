using System.Net;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Console;

public partial class ConsoleTryLimitTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task TryInTheConsole_IsLimitedPerAdmin_AndTheLimitIsAPage()
    {
        using var browser = fixture.CreateBrowser();
        var signedIn = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), TestUsers.AdminEmail, TestUsers.AdminPassword);
        Assert.False(signedIn.IsLogin);
        var editor = await browser.NavigateAsync("/console/connections/legacy/scripts/countUsers");
        Assert.Equal(HttpStatusCode.OK, editor.Status);
        var token = AntiforgeryToken().Match(editor.Html).Groups[1].Value;
        Assert.NotEmpty(token);

        var answers = new List<(HttpStatusCode Status, string Html)>();
        for (var i = 0; i < 22; i++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["Draft"] = "async function countUsers() { return 42; }",
            });
            using var response = await browser.Http.PostAsync(new Uri("/console/connections/legacy/scripts/countUsers/try", UriKind.Relative), form, TestContext.Current.CancellationToken);
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        }

        Assert.All(answers.Take(20), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Contains("Counted", answers[0].Html, StringComparison.Ordinal);
        Assert.All(answers.Skip(20), a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Status);
            Assert.Contains("Too many tries in a short time", a.Html, StringComparison.Ordinal);
        });
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
