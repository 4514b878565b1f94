using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Jobs;

/// <summary>The API node runs no jobs; worker nodes come and go on the same database.</summary>
public sealed class JobNodesFixture : BulkImportFixture
{
    public static readonly IReadOnlyDictionary<string, string?> Worker = new Dictionary<string, string?> { ["LazyMigrate:Jobs:Enabled"] = "true" };

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["LazyMigrate:Jobs:Enabled"] = "false";
    }
}

public sealed class JobFailoverTests(JobNodesFixture fixture) : IClassFixture<JobNodesFixture>
{
    [Fact]
    public async Task AJobWhoseNodeGoesAway_IsFinishedByAnotherNode_WithoutDuplicatesOrGaps()
    {
        const int rows = 4_000;
        const int held = 2_000;
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(rows, tag, SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        var id = await api.StartImportAsync(SampleUserFiles.JsonLines(users), [new("pageSize", "100")]);
        Assert.Equal("Pending", (await api.JobAsync(id)).GetProperty("state").GetString());

        // An uncommitted user holds row 2,000's address: the first node's page with that row waits on the unique index,
        // so the node is at that page, 1,900 rows written, when it goes. Rolled back after, the row is the second node's.
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var normalizer = scope.ServiceProvider.GetRequiredService<ILookupNormalizer>();
        string? first;
        await using (var hold = await db.Database.BeginTransactionAsync(ct))
        {
            db.Users.Add(new User
            {
                Id = Guid.NewGuid(), UserName = "holder-" + tag, NormalizedUserName = normalizer.NormalizeName("holder-" + tag),
                Email = users[held - 1].Email, NormalizedEmail = normalizer.NormalizeEmail(users[held - 1].Email),
                SecurityStamp = Guid.NewGuid().ToString("N"), CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(ct);
            await using (var nodeA = fixture.CreateNode(JobNodesFixture.Worker))
            {
                _ = nodeA.Server;
                await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") >= held - 100);
                first = await fixture.WithDatabaseAsync(jobs => jobs.Jobs.Where(j => j.Id == id).Select(j => j.LeaseOwner).SingleAsync(ct));
            }

            await hold.RollbackAsync(ct);
        }

        var interrupted = await api.JobAsync(id);
        Assert.True(interrupted.Count("processed") < held, "the first node wrote past the row it was waiting for");

        await using var nodeB = fixture.CreateNode(JobNodesFixture.Worker);
        _ = nodeB.Server;
        var done = await api.WaitForEndAsync(id);

        Assert.Equal(("Completed", (long)rows, (long)rows, 0L), (done.GetProperty("state").GetString(), done.Count("processed"), done.Count("created"), done.Count("skipped")));
        var (stored, identities, distinct, owner) = await fixture.WithDatabaseAsync(async db => (
            await db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), ct),
            await db.UserIdentities.CountAsync(i => i.Connection == "legacy" && i.LegacyId.StartsWith(tag + "|"), ct),
            await db.UserIdentities.Where(i => i.Connection == "legacy" && i.LegacyId.StartsWith(tag + "|")).Select(i => i.UserId).Distinct().CountAsync(ct),
            await db.Jobs.Where(j => j.Id == id).Select(j => j.LeaseOwner).SingleAsync(ct)));
        Assert.Equal((rows, rows, rows), (stored, identities, distinct));
        Assert.NotNull(first);
        Assert.NotEqual(first, owner);
    }
}
