using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>
/// The statistics split the users brought over: lazily migrated, bulk-imported, bulk-imported still holding their
/// legacy hash, and bulk-imported without a usable one (reset required); checked against what the test did and
/// against the users' rows in SQL. One test in its class: exact counts.
/// </summary>
public sealed class MigrationKindsTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stats_SeparateLazyBulkAwaitingFirstSignInAndResetRequired_AsTheRowsSay()
    {
        // Two legacy users sign in and come over lazily.
        foreach (var i in Enumerable.Range(0, 2))
        {
            var legacy = await fixture.Legacy.AddUserAsync($"lazy password {i}");
            Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        }

        // Ten come in a file: five with an MD5 hash, five with none (reset required).
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(10, tag, SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        var job = await api.WaitForEndAsync(await api.StartImportAsync(SampleUserFiles.JsonLines(users)));
        Assert.Equal(("Completed", 10L), (job.GetProperty("state").GetString(), job.Count("created")));

        // One of the MD5 users signs in: their hash is native now, no longer waiting.
        var signedIn = users.First(u => u.Hash == SampleHash.Md5);
        Assert.False((await fixture.LogInAsync(signedIn.Email, signedIn.Password)).IsLogin);

        var kinds = (await api.GetFromJsonAsync<JsonElement>("/api/v1/stats/migration", Ct)).GetProperty("kinds");
        var counts = (Lazy: Get(kinds, "lazilyMigrated"), Bulk: Get(kinds, "bulkImported"), Awaiting: Get(kinds, "awaitingFirstSignIn"), Reset: Get(kinds, "resetRequired"));

        Assert.Equal((2, 10, 4, 5), counts);
        // The same from the rows themselves: the users with a legacy identity, how their password is kept, and the job.
        var truth = await fixture.WithDatabaseAsync(async db =>
        {
            var migrated = await db.Users.Where(u => u.MigratedAt != null)
                .Select(u => new { u.PasswordHash, Bulk = db.UserIdentities.Any(i => i.UserId == u.Id && i.ImportJobId != null) })
                .ToListAsync(Ct);
            return (
                Lazy: migrated.Count(u => !u.Bulk),
                Bulk: migrated.Count(u => u.Bulk),
                Awaiting: migrated.Count(u => u.Bulk && u.PasswordHash?.StartsWith("legacy:", StringComparison.Ordinal) == true),
                Reset: migrated.Count(u => u.Bulk && u.PasswordHash is null));
        });
        Assert.Equal(truth, counts);

        var connection = (await api.GetFromJsonAsync<JsonElement>("/api/v1/stats/migration", Ct)).GetProperty("connections").EnumerateArray()
            .Single(c => c.GetProperty("connection").GetString() == "legacy").GetProperty("kinds");
        Assert.Equal((2, 10, 4, 5), (Get(connection, "lazilyMigrated"), Get(connection, "bulkImported"), Get(connection, "awaitingFirstSignIn"), Get(connection, "resetRequired")));
    }

    private static int Get(JsonElement kinds, string name) => kinds.GetProperty(name).GetInt32();
}
