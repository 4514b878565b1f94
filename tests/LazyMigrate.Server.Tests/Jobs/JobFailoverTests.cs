using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;

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
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(rows, tag, SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        // Paced so the first node is surely mid-job when it goes: 100-row pages at 2,000 rows a second.
        var id = await api.StartImportAsync(SampleUserFiles.JsonLines(users), [new("pageSize", "100"), new("rate", "2000")]);
        Assert.Equal("Pending", (await api.JobAsync(id)).GetProperty("state").GetString());

        string? first;
        await using (var nodeA = fixture.CreateNode(JobNodesFixture.Worker))
        {
            _ = nodeA.Server;
            await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") >= 500);
            first = await fixture.WithDatabaseAsync(db => db.Jobs.Where(j => j.Id == id).Select(j => j.LeaseOwner).SingleAsync(TestContext.Current.CancellationToken));
        }

        var interrupted = await api.JobAsync(id);
        Assert.True(interrupted.Count("processed") < rows, "the first node finished before it went away");

        await using var nodeB = fixture.CreateNode(JobNodesFixture.Worker);
        _ = nodeB.Server;
        var done = await api.WaitForEndAsync(id);

        Assert.Equal(("Completed", (long)rows, (long)rows, 0L), (done.GetProperty("state").GetString(), done.Count("processed"), done.Count("created"), done.Count("skipped")));
        var (stored, identities, distinct, owner) = await fixture.WithDatabaseAsync(async db => (
            await db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), TestContext.Current.CancellationToken),
            await db.UserIdentities.CountAsync(i => i.Connection == "legacy" && i.LegacyId.StartsWith(tag + "|"), TestContext.Current.CancellationToken),
            await db.UserIdentities.Where(i => i.Connection == "legacy" && i.LegacyId.StartsWith(tag + "|")).Select(i => i.UserId).Distinct().CountAsync(TestContext.Current.CancellationToken),
            await db.Jobs.Where(j => j.Id == id).Select(j => j.LeaseOwner).SingleAsync(TestContext.Current.CancellationToken)));
        Assert.Equal((rows, rows, rows), (stored, identities, distinct));
        Assert.NotNull(first);
        Assert.NotEqual(first, owner);
    }
}
