using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>Waiting on and reading pull import jobs through the management API.</summary>
internal static class PullImports
{
    public static async Task<JsonElement> RunAsync(HttpClient api, string connection, int pageSize, int rate = 5000)
    {
        var response = await api.PostAsJsonAsync("/api/v1/jobs/users-imports", new { connection, source = "listUsers", rate, pageSize }, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
        return await Wait.ForAsync(
            () => api.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken),
            j => j.GetProperty("state").GetString() is "Completed" or "Failed" or "Cancelled");
    }

    public static long Count(JsonElement job, string name) => job.GetProperty("counts").GetProperty(name).GetInt64();
}

/// <summary>
/// A pull import through the real job runner against a PostgreSQL legacy database and the demo's listUsers: every
/// legacy user comes over with a legacy identity and signs in with the legacy password; the job's checkpoint is the
/// last cursor; a second run changes nothing; a user who already migrated lazily keeps what they had.
/// </summary>
public sealed class PullImportTests(PullImportServerFixture fixture) : IClassFixture<PullImportServerFixture>
{
    [Fact]
    public async Task PullImport_BringsEveryLegacyUser_PageByPage_AndARerunChangesNothing()
    {
        var api = await fixture.ApiAsync();
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        var users = new List<LegacyUser>();
        for (var i = 0; i < 7; i++)
        {
            users.Add(await fixture.Legacy.AddUserAsync($"pulled-password-{i}"));
        }

        // One of them signed in lazily before the import: their native hash and profile stay as they are.
        Assert.False((await fixture.LogInAsync(users[0].Email, users[0].Password)).IsLogin);
        var lazyBefore = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == users[0].Email));

        var job = await PullImports.RunAsync(api, "legacy", pageSize: 3);

        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.Equal(7, job.GetProperty("total").GetInt64());
        Assert.Equal(7, PullImports.Count(job, "processed"));
        Assert.Equal(6, PullImports.Count(job, "created"));
        Assert.Equal(1, PullImports.Count(job, "skipped"));
        Assert.Equal(0, PullImports.Count(job, "refused"));
        var id = job.GetProperty("id").GetGuid();
        var row = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id));
        Assert.Equal(ListUsersSource.EndCheckpoint, row.Checkpoint);
        var identities = await fixture.WithDatabaseAsync(db => db.UserIdentities.AsNoTracking().Where(i => i.Connection == "legacy").Select(i => i.LegacyId).ToListAsync());
        Assert.Equal(users.Select(u => u.Id).Order(), identities.Where(users.Select(u => u.Id).Contains).Order());
        var lazyAfter = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == users[0].Email));
        Assert.Equal(lazyBefore.PasswordHash, lazyAfter.PasswordHash);
        foreach (var user in users.Skip(1).Take(3))
        {
            Assert.False((await fixture.LogInAsync(user.Email, user.Password)).IsLogin, user.Email);
        }

        Assert.True((await fixture.LogInAsync(users[4].Email, "not-their-password")).IsLogin);

        var again = await PullImports.RunAsync(api, "legacy", pageSize: 5);
        Assert.Equal("Completed", again.GetProperty("state").GetString());
        Assert.Equal(0, PullImports.Count(again, "created"));
        Assert.Equal(7, PullImports.Count(again, "skipped"));
        Assert.Equal(7, await fixture.WithDatabaseAsync(db => db.UserIdentities.CountAsync(i => i.Connection == "legacy" && users.Select(u => u.Id).Contains(i.LegacyId))));
    }

    [Fact]
    public async Task PullImport_OfAScriptThatNeverEnds_FailsWithTheReason()
    {
        var api = await fixture.ApiAsync();

        var job = await PullImports.RunAsync(api, "looping", pageSize: 10);

        Assert.Equal("Failed", job.GetProperty("state").GetString());
        Assert.Contains("never end", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The same pull import against a MariaDB legacy database, with the shipped mysql template unchanged.</summary>
public sealed class MariaDbPullImportTests(MariaDbPullImportFixture fixture) : IClassFixture<MariaDbPullImportFixture>
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    [Fact]
    public async Task PullImport_FromMariaDb_BringsEveryUser_AndTheySignInWithTheirLegacyPassword()
    {
        var api = await fixture.ApiAsync();
        var values = string.Join(", ", Enumerable.Range(1, 5).Select(i =>
            $"({i}, 'maria{i}-{Guid.NewGuid():N}@legacy.example', 'maria{i}', '{BcryptHash}', 'Maria', 'Db{i}', TRUE)"));
        await fixture.ExecuteAsync("INSERT INTO users VALUES " + values + ", (6, 'nohash@legacy.example', 'nohash', NULL, 'No', 'Hash', FALSE)");

        var job = await PullImports.RunAsync(api, "mariadb", pageSize: 2);

        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.Equal(6, PullImports.Count(job, "processed"));
        Assert.Equal(6, PullImports.Count(job, "created"));
        var imported = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking()
            .Where(u => u.Identities.Any(i => i.Connection == "mariadb")).OrderBy(u => u.FamilyName).ToListAsync());
        Assert.Equal(["Db1", "Db2", "Db3", "Db4", "Db5", "Hash"], imported.Select(u => u.FamilyName));
        Assert.False((await fixture.LogInAsync(imported[2].Email!, "correct horse 9")).IsLogin);
        // Imported without a hash: "reset required", and a sign-in is an ordinary wrong password.
        Assert.Null(imported[5].PasswordHash);
        Assert.True((await fixture.LogInAsync("nohash@legacy.example", "correct horse 9")).IsLogin);
    }
}
