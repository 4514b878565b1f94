using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

public class ConnectionOrderTests(TwoConnectionsFixture fixture) : IClassFixture<TwoConnectionsFixture>
{
    [Fact]
    public async Task AUserOnlyTheSecondConnectionKnows_IsImportedFromIt()
    {
        var legacy = await fixture.Second.AddUserAsync("known to the second only");

        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);

        Assert.Equal(["second"], await SourcesAsync(legacy.Email));
    }

    [Fact]
    public async Task AUserBothConnectionsKnow_BelongsToTheFirst_AndIsImportedOnce()
    {
        var email = $"in-both-{Guid.NewGuid():N}@legacy.example";
        var inFirst = await fixture.Legacy.AddUserAsync("the first system's password", email: email);
        var inSecond = await fixture.Second.AddUserAsync("the second system's password", email: email);

        // The first connection knows the user and rejects the second system's password: the attempt ends there.
        Assert.True((await fixture.LogInAsync(email, inSecond.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(email, inFirst.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(email, inFirst.Password)).IsLogin);

        Assert.Equal(["legacy"], await SourcesAsync(email));
    }

    private async Task<List<string?>> SourcesAsync(string email)
    {
        var normalised = email.ToUpperInvariant();
        return await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalised).Select(u => u.SourceConnection).ToListAsync(TestContext.Current.CancellationToken));
    }
}
