using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Server.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Users;

public class TombstoneTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task DeletedMigratedUser_IsNotImportedAgain_ByEmailOrByUsername()
    {
        var legacy = await fixture.Legacy.AddUserAsync("deleted for good");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var first = await FindAsync(legacy.Id);

        Assert.True(await DeleteAsync(first!.Id, allowReimport: false));

        var again = await fixture.LogInAsync(legacy.Email, legacy.Password);
        Assert.Contains("<li>Incorrect email, username or password.</li>", again.Html, StringComparison.Ordinal);
        Assert.True((await fixture.LogInAsync(first.UserName!, legacy.Password)).IsLogin);
        Assert.Null(await FindAsync(legacy.Id));
    }

    [Fact]
    public async Task DeletedMigratedUser_WithReimportAllowed_ComesBackAtTheNextLogin()
    {
        var legacy = await fixture.Legacy.AddUserAsync("welcome back");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var first = await FindAsync(legacy.Id);

        Assert.True(await DeleteAsync(first!.Id, allowReimport: true));

        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var second = await FindAsync(legacy.Id);
        Assert.NotNull(second);
        Assert.NotEqual(first.Id, second.Id);
    }

    private async Task<bool> DeleteAsync(Guid id, bool allowReimport)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserDeletion>().DeleteAsync(id, allowReimport, "admin:tests", TestContext.Current.CancellationToken);
    }

    private async Task<User?> FindAsync(string legacyId)
    {
        return await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Identities.Any(i => i.Connection == "legacy" && i.LegacyId == legacyId), TestContext.Current.CancellationToken));
    }
}
