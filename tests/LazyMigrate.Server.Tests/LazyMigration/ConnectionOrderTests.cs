using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>Two Importing connections: <c>legacy</c> first, then <c>second</c>, each with its own legacy database.</summary>
public sealed class TwoConnectionsFixture : LegacyServerFixture
{
    public LegacyDatabase Second { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Second = await LegacyDatabase.CreateAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in ConnectionSettings(1, "second", Second.ConnectionString, TimeSpan.FromSeconds(5)))
        {
            settings[key] = value;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Second.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

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
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var normalised = email.ToUpperInvariant();
        return await db.Users.Where(u => u.NormalizedEmail == normalised).SelectMany(u => u.Identities.Where(i => i.Origin == LazyMigrate.Server.Identities.IdentityOrigin.Imported).Select(i => (string?)i.Connection)).ToListAsync(TestContext.Current.CancellationToken);
    }
}
