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

        // All at once: the bucket (20 a minute) must refuse the rest however long each try takes on a loaded machine.
        // One after another, slow tries let the bucket refill meanwhile, and the count becomes a race with the clock.
        var answers = await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["Draft"] = "async function countUsers() { return 42; }",
            });
            using var response = await browser.Http.PostAsync(new Uri("/console/connections/legacy/scripts/countUsers/try", UriKind.Relative), form, TestContext.Current.CancellationToken);
            return (response.StatusCode, Html: await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }));

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, a.StatusCode.ToString()));
        var tried = answers.Where(a => a.StatusCode == HttpStatusCode.OK).ToList();
        Assert.True(tried.Count >= 20, $"{tried.Count} tries ran");
        Assert.Contains(tried, a => a.Html.Contains("Counted", StringComparison.Ordinal));
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a => Assert.Contains("Too many tries in a short time", a.Html, StringComparison.Ordinal));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
