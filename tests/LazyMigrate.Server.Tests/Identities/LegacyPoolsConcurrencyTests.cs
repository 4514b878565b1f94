using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Identities;

public class LegacyPoolsConcurrencyTests(BusyLegacyPoolsFixture fixture) : IClassFixture<BusyLegacyPoolsFixture>
{
    [Fact]
    public async Task SixtyFourFirstLogins_OfAPersonInTwoPools_AcrossTwoNodes_MakeOneUser_LinkedOncePerPool()
    {
        var email = $"crowd-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("the first product's password", email: email);
        var second = await fixture.Second.AddUserAsync("the second product's password", email: email);
        await using var otherNode = fixture.CreateNode();
        _ = otherNode.Server;

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            using var browser = new Browser(i % 2 == 0 ? fixture.Server : otherNode);
            return await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), email, first.Password);
        }));

        Assert.All(results, page => Assert.False(page.IsLogin, page.Alert ?? page.Html));
        var normalized = email.ToUpperInvariant();
        Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized, TestContext.Current.CancellationToken)));
        var identities = await Wait.ForAsync(
            () => fixture.WithDatabaseAsync(db => db.UserIdentities.AsNoTracking()
                .Where(i => (i.Connection == "legacy" && i.LegacyId == first.Id) || (i.Connection == "second" && i.LegacyId == second.Id))
                .ToListAsync(TestContext.Current.CancellationToken)),
            found => found.Count == 2);
        Assert.Single(identities.Select(i => i.UserId).Distinct());
        Assert.Equal([IdentityOrigin.Imported, IdentityOrigin.Linked], identities.OrderBy(i => i.Connection).Select(i => i.Origin));
        Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.AuditEvents.CountAsync(
            a => a.Type == LazyMigrate.Server.Audit.AuditEventType.IdentityLinked && a.UserId == identities[0].UserId, TestContext.Current.CancellationToken)));
    }
}
