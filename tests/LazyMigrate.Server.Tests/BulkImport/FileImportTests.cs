using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>File imports through the API into a real database: every format, counts, identities, a second run, refused rows, verification.</summary>
public sealed class FileImportTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    private const int Rows = 10_000;

    public static TheoryData<string> Formats => ["auth0", "jsonl", "fusionauth", "csv"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Import_TenThousandRows_CreatesEveryUserOnceAndASecondRunChangesNothing(string format)
    {
        var tag = $"{format}-{Guid.NewGuid():N}"[..20];
        var (users, file) = Sample(format, tag, Rows);
        using var api = await fixture.ApiAsync();

        var clock = Stopwatch.StartNew();
        var id = await api.StartImportAsync(file);
        var job = await api.WaitForEndAsync(id);
        clock.Stop();
        TestContext.Current.SendDiagnosticMessage($"{format}: {Rows} rows in {clock.Elapsed.TotalSeconds:F1} s ({Rows / clock.Elapsed.TotalSeconds:F0} rows/s, job's own rate {job.GetProperty("rate")})");

        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.Equal(format, job.GetProperty("format").GetString());
        Assert.Equal(Rows, job.GetProperty("total").GetInt64());
        Assert.Equal((Rows, Rows, 0L, 0L, 0L), (job.Count("processed"), job.Count("created"), job.Count("linked"), job.Count("skipped"), job.Count("refused")));
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());

        var stored = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking()
            .Where(u => u.Email!.EndsWith("-" + tag + "@bulk.example"))
            .Select(u => new { u.Email, u.PasswordHash, u.MigratedAt, u.LastLoginAt, u.GivenName, Identities = u.Identities.Select(i => new { i.Connection, i.LegacyId, i.Origin }).ToList() })
            .ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Rows, stored.Count);
        Assert.All(stored, u =>
        {
            Assert.NotNull(u.MigratedAt);
            Assert.Null(u.LastLoginAt);
            var identity = Assert.Single(u.Identities);
            Assert.Equal(("legacy", LazyMigrate.Server.Identities.IdentityOrigin.Imported), (identity.Connection, identity.Origin));
        });
        var byEmail = stored.ToDictionary(u => u.Email!);
        foreach (var user in users)
        {
            var row = byEmail[user.Email];
            Assert.Equal("Given" + user.Index, row.GivenName);
            Assert.Equal(user.Hash == SampleHash.None, row.PasswordHash is null);
            Assert.True(row.PasswordHash is null || row.PasswordHash.StartsWith("legacy:", StringComparison.Ordinal));
        }

        // The same file again: every row is already here.
        var again = await api.WaitForEndAsync(await api.StartImportAsync(file));
        Assert.Equal((Rows, 0L, 0L, (long)Rows, 0L), (again.Count("processed"), again.Count("created"), again.Count("linked"), again.Count("skipped"), again.Count("refused")));
        Assert.Equal(Rows, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Import_BadRows_AreReportedWithTheirLineAndReasonAndNeverTheirHash()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(4, tag, SampleHash.Md5);
        var taken = await fixture.Services.CreateUserAsync(configure: u => u.UserName = "taken-" + tag);
        var deleted = $"deleted-{tag}@bulk.example";
        await fixture.WithDatabaseAsync(async db =>
        {
            db.Tombstones.Add(new LazyMigrate.Server.LazyMigration.Tombstone { Connection = "legacy", LegacyId = "gone-" + tag, NormalizedEmail = deleted.ToUpperInvariant(), DeletedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        });
        const string overCap = "$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234";
        var lines = new[]
        {
            SampleUserFiles.Auth0(users[0]).ToJsonString(),
            $$"""{"user_id":"gone-{{tag}}","email":"{{deleted}}"}""",
            $$"""{"email":"other-{{tag}}@bulk.example","username":"taken-{{tag}}"}""",
            $$"""{"email":"cap-{{tag}}@bulk.example","password_hash":"{{overCap}}"}""",
            "this is not json",
            SampleUserFiles.Auth0(users[1]).ToJsonString(),
        };
        using var api = await fixture.ApiAsync();

        var id = await api.StartImportAsync(string.Join('\n', lines) + "\n");
        var job = await api.WaitForEndAsync(id);

        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.Equal((6L, 2L, 4L), (job.Count("processed"), job.Count("created"), job.Count("refused")));
        var reasons = job.GetProperty("refusedByReason");
        Assert.Equal(1, reasons.GetProperty("Deleted").GetInt64());
        Assert.Equal(1, reasons.GetProperty("UsernameTaken").GetInt64());
        Assert.Equal(1, reasons.GetProperty("InvalidHash").GetInt64());
        Assert.Equal(1, reasons.GetProperty("InvalidJson").GetInt64());

        using var response = await api.GetAsync($"/api/v1/jobs/{id}/errors", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("abcdefghijklmnopqrstuu", text, StringComparison.Ordinal);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray()
            .Select(e => (e.GetProperty("position").GetString(), e.GetProperty("reason").GetString(), e.GetProperty("email").GetString())).ToList();
        Assert.Equal(
            [("line 2", "Deleted", deleted), ("line 3", "UsernameTaken", $"other-{tag}@bulk.example"), ("line 4", "InvalidHash", $"cap-{tag}@bulk.example"), ("line 5", "InvalidJson", null)],
            errors);
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Email == deleted || u.Email == $"other-{tag}@bulk.example", TestContext.Current.CancellationToken)));
        Assert.Equal(taken.Email, await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.UserName == "taken-" + tag).Select(u => u.Email).SingleAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task RowsOfOnePage_ThatRepeatAnEarlierRowsKeys_AreDecidedAsIfWrittenOneByOne()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        string Row(string id, string email, string username) => $$"""{"user_id":"{{id}}-{{tag}}","email":"{{email}}-{{tag}}@bulk.example","username":"{{username}}-{{tag}}"}""";
        var lines = new[]
        {
            Row("a", "first", "first"),
            Row("a", "second", "second"),   // the identity of line 1: already here by then
            Row("c", "first", "third"),     // line 1's address: another identity of the user line 1 created
            Row("d", "fourth", "first"),    // line 1's username
            Row("e", "fifth", "fifth"),
        };
        using var api = await fixture.ApiAsync();

        var job = await api.WaitForEndAsync(await api.StartImportAsync(string.Join('\n', lines) + "\n"));

        Assert.Equal((5L, 2L, 1L, 1L, 1L), (job.Count("processed"), job.Count("created"), job.Count("linked"), job.Count("skipped"), job.Count("refused")));
        Assert.Equal(1, job.GetProperty("refusedByReason").GetProperty("UsernameTaken").GetInt64());
        var identities = await fixture.WithDatabaseAsync(db => db.UserIdentities.AsNoTracking()
            .Where(i => i.Connection == "legacy" && i.LegacyId.EndsWith("-" + tag))
            .Join(db.Users, i => i.UserId, u => u.Id, (i, u) => new { i.LegacyId, i.Origin, u.Email })
            .OrderBy(i => i.LegacyId).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            [($"a-{tag}", LazyMigrate.Server.Identities.IdentityOrigin.Imported, $"first-{tag}@bulk.example"),
             ($"c-{tag}", LazyMigrate.Server.Identities.IdentityOrigin.Linked, $"first-{tag}@bulk.example"),
             ($"e-{tag}", LazyMigrate.Server.Identities.IdentityOrigin.Imported, $"fifth-{tag}@bulk.example")],
            identities.Select(i => (i.LegacyId, i.Origin, i.Email)));

        var again = await api.WaitForEndAsync(await api.StartImportAsync(string.Join('\n', lines) + "\n"));
        Assert.Equal((5L, 0L, 0L, 4L, 1L), (again.Count("processed"), again.Count("created"), again.Count("linked"), again.Count("skipped"), again.Count("refused")));
    }

    [Fact]
    public async Task Identities_OfAnExportedRow_ComeBackLinkedToTheUserItCreates()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var email = $"carried-{tag}@bulk.example";
        // An export's line: the row's own identity (legacy, its id) is the import's; the other one is kept as Linked.
        var line = JsonSerializer.Serialize(new
        {
            user_id = $"exported-{tag}",
            email,
            email_verified = true,
            identities = new object[]
            {
                new { connection = $"old-{tag}", user_id = "42", origin = "Imported", email, email_verified = true, profile = new { given_name = "Ada" } },
                new { connection = "legacy", user_id = $"exported-{tag}", origin = "Linked" },
            },
        }) + "\n";
        using var api = await fixture.ApiAsync();

        var job = await api.WaitForEndAsync(await api.StartImportAsync(line));

        Assert.Equal(("Completed", 1L, 0L), (job.GetProperty("state").GetString(), job.Count("created"), job.Count("refused")));
        var identities = await fixture.WithDatabaseAsync(async db =>
        {
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email, TestContext.Current.CancellationToken);
            return await db.UserIdentities.AsNoTracking().Where(i => i.UserId == user.Id).OrderBy(i => i.Connection).ToListAsync(TestContext.Current.CancellationToken);
        });
        Assert.Equal(
            [("legacy", $"exported-{tag}", LazyMigrate.Server.Identities.IdentityOrigin.Imported), ($"old-{tag}", "42", LazyMigrate.Server.Identities.IdentityOrigin.Linked)],
            identities.Select(i => (i.Connection, i.LegacyId, i.Origin)));
        var carried = identities[1];
        Assert.Equal((email, true), (carried.Email, carried.EmailVerified));
        Assert.Equal("Ada", JsonDocument.Parse(carried.Profile!).RootElement.GetProperty("given_name").GetString());
    }

    [Fact]
    public async Task Verify_AWrongEncoding_IsRefusedNamingTheSample_BeforeAnyUserIsWritten()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(20, tag, SampleHash.Sha256);
        // The file says the hash is base64 while it is hex (both readable): Auth0's most common import complaint.
        var file = SampleUserFiles.JsonLines(users).Replace("\"encoding\":\"hex\"", "\"encoding\":\"base64\"", StringComparison.Ordinal);
        using var api = await fixture.ApiAsync();
        var jobsBefore = await fixture.WithDatabaseAsync(db => db.Jobs.CountAsync(TestContext.Current.CancellationToken));

        using var refused = await api.UploadAsync(file, fields: [new("verify", $"{users[7].Email}:{users[7].Password}")]);

        var body = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = JsonDocument.Parse(body).RootElement;
        var message = Assert.Single(problem.GetProperty("errors").GetProperty("verify").EnumerateArray()).GetString()!;
        Assert.Contains(users[7].Email, message, StringComparison.Ordinal);
        Assert.Contains("line 8", message, StringComparison.Ordinal);
        Assert.Contains("sha256", message, StringComparison.Ordinal);
        Assert.DoesNotContain(users[7].Password, body, StringComparison.Ordinal);
        // Nothing was written: no user, and no job (its stored file went with it).
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), TestContext.Current.CancellationToken)));
        Assert.Equal(jobsBefore, await fixture.WithDatabaseAsync(db => db.Jobs.CountAsync(TestContext.Current.CancellationToken)));

        // A sample whose address is in no row is refused too, naming it.
        using var missing = await api.UploadAsync(SampleUserFiles.JsonLines(users), fields: [new("verify", $"nobody-{tag}@bulk.example:whatever")]);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains($"nobody-{tag}@bulk.example", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // The right file with the same sample imports, and the sample's password is not kept in the job.
        var good = await api.WaitForEndAsync(await api.StartImportAsync(SampleUserFiles.JsonLines(users), [new("verify", $"{users[7].Email}:{users[7].Password}")]));
        Assert.Equal(("Completed", 20L), (good.GetProperty("state").GetString(), good.Count("created")));
        var options = await fixture.WithDatabaseAsync(db => db.Jobs.Where(j => j.Id == good.GetProperty("id").GetGuid()).Select(j => j.Options).SingleAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain("verify", options!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(users[7].Password, options!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PauseAndResume_TheJobStopsBetweenPagesAndEndsWithEveryRowOnce()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(3_000, tag, SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        var id = await api.StartImportAsync(SampleUserFiles.JsonLines(users), [new("pageSize", "100"), new("rate", "3000")]);
        await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") > 0);

        using (var pause = await api.PostAsync($"/api/v1/jobs/{id}/pause", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        var paused = await api.JobAsync(id);
        Assert.Equal("Paused", paused.GetProperty("state").GetString());
        using (var again = await api.PostAsync($"/api/v1/jobs/{id}/pause", null, TestContext.Current.CancellationToken))
        {
            await again.ProblemAsync(HttpStatusCode.Conflict);
        }

        using (var resume = await api.PostAsync($"/api/v1/jobs/{id}/resume", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        var done = await api.WaitForEndAsync(id);
        Assert.Equal(("Completed", 3_000L, 3_000L, 0L), (done.GetProperty("state").GetString(), done.Count("processed"), done.Count("created"), done.Count("skipped")));
        Assert.Equal(3_000, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), TestContext.Current.CancellationToken)));
        using var finished = await api.PostAsync($"/api/v1/jobs/{id}/cancel", null, TestContext.Current.CancellationToken);
        await finished.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Cancel_AJobStopsForGoodAndWhatItWroteStays()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        using var api = await fixture.ApiAsync();
        var id = await api.StartImportAsync(SampleUserFiles.JsonLines(SampleUserFiles.Users(3_000, tag, SampleHash.None)), [new("pageSize", "100"), new("rate", "2000")]);
        await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") > 0);

        using var cancel = await api.PostAsync($"/api/v1/jobs/{id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        using var resume = await api.PostAsync($"/api/v1/jobs/{id}/resume", null, TestContext.Current.CancellationToken);
        await resume.ProblemAsync(HttpStatusCode.Conflict);

        // Whatever pages were committed before the cancel are the users there are: the counts and the store agree.
        var job = await api.JobAsync(id);
        Assert.Equal("Cancelled", job.GetProperty("state").GetString());
        var stored = await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"), TestContext.Current.CancellationToken));
        Assert.Equal(job.Count("created"), stored);
        Assert.True(stored < 3_000);
    }

    internal static (IReadOnlyList<SampleUser> Users, string File) Sample(string format, string tag, int count)
    {
        if (format == "fusionauth")
        {
            // FusionAuth rows carry bcrypt (cost 4, one hash for all) or no password: its other schemes come with the shared verifiers.
            var fusion = SampleUserFiles.Users(count, tag, SampleHash.Bcrypt, SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None,
                SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None);
            return (fusion, SampleUserFiles.FusionAuth(fusion));
        }

        var users = SampleUserFiles.Users(count, tag);
        return (users, format switch
        {
            "auth0" => SampleUserFiles.Auth0Json(users),
            "jsonl" => SampleUserFiles.JsonLines(users),
            _ => SampleUserFiles.Csv(users),
        });
    }
}
