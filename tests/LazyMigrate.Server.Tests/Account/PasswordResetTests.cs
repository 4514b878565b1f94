using System.Text.RegularExpressions;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Account;

public partial class PasswordResetTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task Reset_ForALegacyUserNotMigratedYet_CreatesTheUserWithTheNewPassword()
    {
        var legacy = await fixture.Legacy.AddUserAsync("the forgotten legacy password", "Ada", "Byron");

        await RequestResetAsync(legacy.Email);
        var link = await WaitForLinkAsync(legacy.Email);
        using (var browser = fixture.CreateBrowser())
        {
            var form = await browser.NavigateAsync(link.PathAndQuery);
            var done = await browser.SubmitAsync(form, new Dictionary<string, string>
            {
                ["Password"] = "a brand new passphrase",
                ["ConfirmPassword"] = "a brand new passphrase",
            });
            Assert.Contains("Your password has been changed.", done.Html, StringComparison.Ordinal);

            // The same link does not work twice.
            var again = await browser.SubmitAsync(form, new Dictionary<string, string>
            {
                ["Password"] = "yet another passphrase",
                ["ConfirmPassword"] = "yet another passphrase",
            });
            Assert.Contains("This link is invalid or has expired.", again.Html, StringComparison.Ordinal);
        }

        var user = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Identities.Any(i => i.Connection == "legacy" && i.LegacyId == legacy.Id), TestContext.Current.CancellationToken));
        Assert.Equal("Byron", user.FamilyName);
        Assert.NotNull(user.MigratedAt);

        Assert.False((await fixture.LogInAsync(legacy.Email, "a brand new passphrase")).IsLogin);
        Assert.True((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
    }

    [Fact]
    public async Task ForgotPassword_AnswersAKnownAndAnUnknownAddressAlike()
    {
        var legacy = await fixture.Legacy.AddUserAsync("whatever it was");
        var local = await fixture.Server.Services.CreateUserAsync();

        var answers = new[]
        {
            await RequestResetAsync(legacy.Email),
            await RequestResetAsync(local.Email),
            await RequestResetAsync($"nobody-{Guid.NewGuid():N}@legacy.example"),
        };

        Assert.All(answers, a => Assert.Equal(answers[0].Status, a.Status));
        Assert.All(answers, a => Assert.Equal(Visible(answers[0].Html), Visible(a.Html)));
        Assert.Contains("If an account exists for that address", answers[0].Html, StringComparison.Ordinal);
        await WaitForLinkAsync(local.Email);
    }

    private async Task<Page> RequestResetAsync(string email)
    {
        using var browser = fixture.CreateBrowser();
        return await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });
    }

    /// <summary>Waits (bounded) for the background sender to drop the message for <paramref name="email"/>.</summary>
    private async Task<Uri> WaitForLinkAsync(string email)
    {
        var body = await Wait.ForAsync(() => MailTo.BodyAsync(fixture.MailDirectory, email), b => b is not null);
        return new Uri(ResetLink().Match(body!).Value);
    }

    /// <summary>The page as a person reads it: without the per-request antiforgery token.</summary>
    private static string Visible(string html) => AntiforgeryToken().Replace(html, string.Empty);

    [GeneratedRegex(@"http://localhost/Account/ResetPassword\?\S+")]
    private static partial Regex ResetLink();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"")]
    private static partial Regex AntiforgeryToken();
}
