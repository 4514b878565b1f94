using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

public class ConcurrencyTests(BusyLegacyServerFixture fixture) : IClassFixture<BusyLegacyServerFixture>
{
    // 64 script runs at once on two shared cores take a while: the fixture's script deadline is generous, and what is
    // tested is that one row comes out of the race, not the deadline.
    [Fact]
    public async Task SixtyFourConcurrentFirstLogins_OfOneUser_AllSucceed_AndCreateOneUser()
    {
        var legacy = await fixture.Legacy.AddUserAsync("everyone at once");
        var browsers = Enumerable.Range(0, 64).Select(_ => fixture.CreateBrowser()).ToList();
        try
        {
            var loginPages = await Task.WhenAll(browsers.Select(b => b.NavigateAsync("/Account/Login")));
            var results = await Task.WhenAll(browsers.Select((b, i) => b.LogInAsync(loginPages[i], legacy.Email, legacy.Password)));

            Assert.All(results, page => Assert.False(page.IsLogin, page.Alert ?? page.Html));
            Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Identities.Any(i => i.Connection == "legacy" && i.LegacyId == legacy.Id), TestContext.Current.CancellationToken)));
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public async Task FiveHundredDistinctFirstLogins_AtOnce_CreateFiveHundredUsers()
    {
        var users = new List<LegacyUser>();
        for (var i = 0; i < 500; i++)
        {
            users.Add(await fixture.Legacy.AddUserAsync($"password of user {i}"));
        }

        var results = await Task.WhenAll(users.Select(u => LogInAsync(fixture.Server, u)));

        Assert.All(results, page => Assert.False(page.IsLogin, page.Alert ?? page.Html));
        var ids = users.Select(u => u.Id).ToList();
        Assert.Equal(500, await CountAsync(ids));
    }

    [Fact]
    public async Task SixtyFourFirstLogins_OfOneUser_AcrossTwoNodes_AllSucceed_AndCreateOneUser()
    {
        var legacy = await fixture.Legacy.AddUserAsync("one user, two nodes");
        await using var second = fixture.CreateNode();
        _ = second.Server;

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => LogInAsync(i % 2 == 0 ? fixture.Server : second, legacy)));

        Assert.All(results, page => Assert.False(page.IsLogin, page.Alert ?? page.Html));
        Assert.Equal(1, await CountAsync([legacy.Id]));
    }

    private static async Task<Page> LogInAsync(LazyMigrateServer node, LegacyUser user)
    {
        using var browser = new Browser(node);
        // As generous as the fixture's script deadline: HttpClient's own 100 s must not be the clock this test races
        // while 500 native hashes share two loaded cores.
        browser.Http.Timeout = TimeSpan.FromMinutes(5);
        return await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
    }

    private async Task<int> CountAsync(List<string> legacyIds)
    {
        return await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Identities.Any(i => i.Connection == "legacy" && legacyIds.Contains(i.LegacyId)), TestContext.Current.CancellationToken));
    }
}
