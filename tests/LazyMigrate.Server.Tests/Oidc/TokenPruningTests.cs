using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace LazyMigrate.Server.Tests.Oidc;

public class TokenPruningTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task TokensExpiredLongAgo_ArePrunedByEveryNode_ButALiveOneStays()
    {
        var ct = TestContext.Current.CancellationToken;
        var subject = $"pruning-{Guid.NewGuid():N}";
        var now = DateTime.UtcNow;
        await fixture.WithDatabaseAsync(async db =>
        {
            db.Set<OpenIddictEntityFrameworkCoreToken>().AddRange(
                Token(subject, "expired", created: now.AddDays(-30), expires: now.AddDays(-29)),
                Token(subject, "live", created: now.AddMinutes(-1), expires: now.AddHours(1)));
            await db.SaveChangesAsync(ct);
        });

        // A node prunes when it starts, then every PruneInterval.
        await using var node = fixture.CreateNode();
        _ = node.Server;
        var left = await Wait.ForAsync(
            () => node.WithDatabaseAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.Subject == subject).Select(t => t.ReferenceId).ToListAsync(ct)),
            ids => ids.Count == 1);

        Assert.Equal([subject + "-live"], left);
    }

    private static OpenIddictEntityFrameworkCoreToken Token(string subject, string name, DateTime created, DateTime expires) => new()
    {
        Subject = subject,
        ReferenceId = $"{subject}-{name}",
        Type = OpenIddictConstants.TokenTypeHints.AccessToken,
        Status = OpenIddictConstants.Statuses.Valid,
        CreationDate = created,
        ExpirationDate = expires,
    };
}
