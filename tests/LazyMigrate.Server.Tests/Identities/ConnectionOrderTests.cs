using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Identities;

public class ConnectionOrderTests(LegacyPoolsFixture fixture) : IClassFixture<LegacyPoolsFixture>
{
    [Fact]
    public async Task AUserOnlyTheSecondConnectionKnows_IsImportedFromIt()
    {
        var legacy = await fixture.Second.AddUserAsync("known to the second only");

        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);

        Assert.Equal(["second"], await SourcesAsync(legacy.Email));
    }

    [Fact]
    public async Task AUserBothConnectionsKnow_IsImportedOnce_FromTheFirstThatAcceptsThePassword()
    {
        var email = $"in-both-{Guid.NewGuid():N}@legacy.example";
        var inFirst = await fixture.Legacy.AddUserAsync("the first system's password", email: email);
        var inSecond = await fixture.Second.AddUserAsync("the second system's password", email: email);

        // The first connection does not accept the second system's password; the second does (its address is verified).
        Assert.False((await fixture.LogInAsync(email, inSecond.Password)).IsLogin);
        // Migrated now: only the native password (the one just typed) signs in.
        Assert.True((await fixture.LogInAsync(email, inFirst.Password)).IsLogin);

        Assert.Equal(["second"], await SourcesAsync(email));
    }

    private async Task<List<string?>> SourcesAsync(string email)
    {
        var normalised = email.ToUpperInvariant();
        return await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalised).SelectMany(u => u.Identities.Where(i => i.Origin == LazyMigrate.Server.Identities.IdentityOrigin.Imported).Select(i => (string?)i.Connection)).ToListAsync(TestContext.Current.CancellationToken));
    }
}
