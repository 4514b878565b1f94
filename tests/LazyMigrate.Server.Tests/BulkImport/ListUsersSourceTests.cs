using System.Globalization;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>
/// The pull import's source against a real PostgreSQL legacy database with the demo's listUsers script: pages of the
/// job's size, a cursor checkpoint after each, every legacy user exactly once, hashes that verify, and a resumed job
/// that asks only for what follows its checkpoint.
/// </summary>
public sealed class ListUsersSourceTests(PullImportServerFixture fixture) : IClassFixture<PullImportServerFixture>
{
    private IUserSource Source(string connection = "legacy", int pageSize = 3, int rate = 10_000) =>
        fixture.Services.GetRequiredKeyedService<IUserSourceFactory>("listUsers").Create(new Job
        {
            Id = Guid.NewGuid(),
            Kind = JobKind.UsersImport,
            Connection = connection,
            Source = "listUsers",
            Options = $$"""{"rate":{{rate}},"pageSize":{{pageSize}}}""",
            RequestedBy = "test",
        });

    private static async Task<List<ImportPage>> ReadAllAsync(IUserSource source, string? checkpoint = null)
    {
        var pages = new List<ImportPage>();
        await foreach (var page in source.ReadAsync(checkpoint, TestContext.Current.CancellationToken))
        {
            pages.Add(page);
        }

        return pages;
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task ReadAsync_PagesThroughEveryLegacyUser_OnceEach_WithACursorCheckpointAfterEveryPage()
    {
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        var users = new List<LegacyUser>();
        for (var i = 0; i < 7; i++)
        {
            users.Add(await fixture.Legacy.AddUserAsync($"pull-password-{i}"));
        }

        var pages = await ReadAllAsync(Source(pageSize: 3));

        var ids = users.Select(u => int.Parse(u.Id, CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([3, 3, 1], pages.Select(p => p.Rows.Count));
        Assert.Equal(["cursor:" + Id(ids[2]), "cursor:" + Id(ids[5]), ListUsersSource.EndCheckpoint], pages.Select(p => p.Checkpoint));
        Assert.Equal(users.Select(u => u.Id).Order(), pages.SelectMany(p => p.Rows).Select(r => r.Profile!.Id).Order());
        Assert.All(pages.SelectMany(p => p.Rows), row => Assert.Null(row.Refusal));
        var first = pages[0].Rows[0];
        Assert.Equal("cursor (start), entry 1", first.Position);
        Assert.Equal("Hopper", first.Profile!.FamilyName);
        var legacy = users.Single(u => u.Id == first.Profile.Id);
        Assert.True(LegacyPasswordVerifier.Verify(legacy.Password, first.PasswordHash!));
        Assert.False(LegacyPasswordVerifier.Verify("not-the-password", first.PasswordHash!));
    }

    [Fact]
    public async Task ReadAsync_FromACheckpoint_ReadsOnlyWhatFollows_AndFromTheEnd_Nothing()
    {
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        var users = new List<LegacyUser>();
        for (var i = 0; i < 5; i++)
        {
            users.Add(await fixture.Legacy.AddUserAsync("resume-password"));
        }

        var source = Source(pageSize: 2);
        var firstPage = (await ReadAllAsync(source))[0];
        var resumed = await ReadAllAsync(source, firstPage.Checkpoint);
        var afterEnd = await ReadAllAsync(source, ListUsersSource.EndCheckpoint);

        Assert.Equal(users.Take(2).Select(u => u.Id), firstPage.Rows.Select(r => r.Profile!.Id));
        Assert.Equal(users.Skip(2).Select(u => u.Id), resumed.SelectMany(p => p.Rows).Select(r => r.Profile!.Id));
        Assert.Empty(afterEnd);
    }

    [Fact]
    public async Task ReadAsync_SaltedDigestsAndUnknownFormats_BecomeDescriptorsOrNoHash_NeverAFailedPage()
    {
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        await fixture.Legacy.ExecuteAsync("""
            INSERT INTO users (id, email, username, first_name, last_name, hash_algorithm, password_hash, password_salt) VALUES
              (501, 'salted@legacy.example', 'salted', 'S', 'Alted', 'sha256', encode(sha256(convert_to('pepper' || 'salted-pass', 'UTF8')), 'hex'), 'pepper'),
              (502, 'old@legacy.example', 'old', 'O', 'Ld', 'md5', md5('old-pass'), NULL),
              (503, 'odd@legacy.example', 'odd', 'O', 'Dd', 'rot13', 'nope', NULL),
              (504, 'bad-address', 'bad', 'B', 'Ad', 'md5', md5('x'), NULL)
            """);

        var rows = (await ReadAllAsync(Source(pageSize: 10))).SelectMany(p => p.Rows).ToList();

        Assert.Equal(4, rows.Count);
        Assert.True(LegacyPasswordVerifier.Verify("salted-pass", rows[0].PasswordHash!));
        Assert.True(LegacyPasswordVerifier.Verify("old-pass", rows[1].PasswordHash!));
        Assert.Null(rows[2].PasswordHash);
        Assert.Null(rows[2].Refusal);
        Assert.Equal("InvalidProfile", rows[3].Refusal!.Reason);
        Assert.Equal("cursor (start), entry 4", rows[3].Position);
    }

    [Fact]
    public async Task CountAsync_AsksCountUsers()
    {
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        await fixture.Legacy.AddUserAsync("count-1");
        await fixture.Legacy.AddUserAsync("count-2");

        Assert.Equal(2, await Source().CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadAsync_AScriptAnsweringTheSameCursor_FailsRatherThanLoopingForever()
    {
        var error = await Assert.ThrowsAsync<JobFailedException>(() => ReadAllAsync(Source("looping")));

        Assert.Contains("never end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_AConnectionThatIsNotImporting_Fails()
    {
        var error = await Assert.ThrowsAsync<JobFailedException>(() => ReadAllAsync(Source("no-such-connection")));

        Assert.Contains("not Importing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, 1000)]
    [InlineData("""{"rate":200,"pageSize":500}""", 200, 500)]
    [InlineData("""{"pageSize":5000}""", null, 1000)]
    public void Settings_AreTheJobsOptions_WithAScriptsPageCappedAtItsMaximum(string? options, int? rate, int pageSize)
    {
        Assert.Equal(new PullImportSettings(rate, pageSize), PullImportSettings.Read(options));
    }
}

/// <summary>A legacy system that is down: the page is asked again with backoff, then the job fails with the reason.</summary>
public sealed class ListUsersSourceFailureTests(DeadPullImportServerFixture fixture) : IClassFixture<DeadPullImportServerFixture>
{
    [Fact]
    public async Task ReadAsync_LegacyDown_RetriesWithBackoff_ThenFailsWithTheReason()
    {
        var source = fixture.Services.GetRequiredKeyedService<IUserSourceFactory>("listUsers").Create(new Job
        {
            Id = Guid.NewGuid(),
            Kind = JobKind.UsersImport,
            Connection = "legacy",
            Source = "listUsers",
            RequestedBy = "test",
        });
        var retriesBefore = fixture.Log.Occurrences("retry 2 of 2");

        var error = await Assert.ThrowsAsync<JobFailedException>(async () =>
        {
            await foreach (var page in source.ReadAsync(null, TestContext.Current.CancellationToken))
            {
                Assert.Fail("a page from a database that is down");
            }
        });

        Assert.Contains("listUsers failed after the start", error.Message, StringComparison.Ordinal);
        Assert.Contains("LegacyUnavailable", error.Message, StringComparison.Ordinal);
        Assert.True(fixture.Log.Occurrences("retry 1 of 2") > 0, "the first failure was retried");
        Assert.Equal(retriesBefore + 1, fixture.Log.Occurrences("retry 2 of 2"));
        Assert.Null(await source.CountAsync(TestContext.Current.CancellationToken));
    }
}
