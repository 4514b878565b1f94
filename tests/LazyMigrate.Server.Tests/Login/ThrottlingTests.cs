using LazyMigrate.Server.Data;
using LazyMigrate.Server.Login;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Login;

public class ThrottlingTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    private const string Throttled = "<li>Too many attempts.";

    [Fact]
    public async Task AfterTheAllowedFailures_TheScriptDoesNotRun_EvenWithTheRightPassword_ButAnotherAddressIsNotSlowed()
    {
        var legacy = await fixture.Legacy.AddUserAsync("guessed at last");
        const string attacker = "203.0.113.7";
        for (var i = 0; i < LoginThrottle.AccountFailuresAllowed; i++)
        {
            var failed = await LogInAsync(attacker, legacy.Email, $"guess number {i}");
            Assert.Contains("<li>Incorrect email, username or password.</li>", failed.Html, StringComparison.Ordinal);
        }

        // The right password now: refused without asking the legacy system, so nothing is imported.
        var blocked = await LogInAsync(attacker, legacy.Email, legacy.Password);
        Assert.True(blocked.IsLogin);
        Assert.Contains(Throttled, blocked.Html, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(legacy.Id));

        // The owner, elsewhere, is not locked out by the attacker.
        var owner = await LogInAsync("198.51.100.20", legacy.Email, legacy.Password);
        Assert.False(owner.IsLogin, owner.Html);
        Assert.Equal(1, await CountAsync(legacy.Id));
    }

    [Fact]
    public async Task UnknownAccounts_AreThrottledLikeKnownOnes()
    {
        var unknown = $"nobody-{Guid.NewGuid():N}@legacy.example";
        const string address = "203.0.113.99";
        for (var i = 0; i < LoginThrottle.AccountFailuresAllowed; i++)
        {
            await LogInAsync(address, unknown, $"guess number {i}");
        }

        Assert.Contains(Throttled, (await LogInAsync(address, unknown, "one more")).Html, StringComparison.Ordinal);
    }

    private async Task<Page> LogInAsync(string address, string identifier, string password)
    {
        using var browser = fixture.CreateBrowser().From(address);
        return await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), identifier, password);
    }

    private async Task<int> CountAsync(string legacyId)
    {
        return await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Identities.Any(i => i.Connection == "legacy" && i.LegacyId == legacyId), TestContext.Current.CancellationToken));
    }
}
