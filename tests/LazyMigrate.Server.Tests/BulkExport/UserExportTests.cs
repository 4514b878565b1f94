using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.BulkExport;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.BulkExport;

/// <summary>
/// POST /api/v1/jobs/users-exports and GET /api/v1/jobs/{id}/file over real HTTP and PostgreSQL: every user as a line
/// in Auth0's import shape, native hashes as PHC strings that verify, legacy ones as they came, identities kept.
/// </summary>
public sealed class UserExportTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    private static async Task<Guid> CreateUserAsync(HttpClient api, string email, string? password, object? userMetadata = null)
    {
        var response = await api.PostAsJsonAsync("/api/v1/users", new
        {
            email,
            password,
            givenName = "Export",
            familyName = "Tester",
            emailVerified = true,
            userMetadata = userMetadata ?? new { plan = "pro" },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> StartExportAsync(HttpClient api)
    {
        var response = await api.PostAsync("/api/v1/jobs/users-exports", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.JsonAsync();
        var id = job.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Pending", job.GetProperty("state").GetString());
        return id;
    }

    /// <summary>Waits for the job runner to finish the job (a signal: its state, polled), and asserts it completed.</summary>
    private static async Task AwaitCompletedAsync(HttpClient api, Guid id)
    {
        var job = await Wait.ForAsync(
            () => api.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken),
            j => j.GetProperty("state").GetString() is "Completed" or "Failed" or "Cancelled");
        Assert.Equal("Completed", job.GetProperty("state").GetString());
    }

    /// <summary>A job this test holds the lease of, so the runner leaves it alone and the test plays the node.</summary>
    private async Task<Job> LeasedJobAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var job = new Job
        {
            Id = Guid.CreateVersion7(),
            Kind = JobKind.UsersExport,
            State = JobState.Running,
            Source = "users",
            RequestedBy = "test",
            CreatedAt = now,
            UpdatedAt = now,
            LeaseOwner = "test-node",
            LeaseUntil = now.AddHours(1),
        };
        await fixture.WithDatabaseAsync(db => { db.Jobs.Add(job); return db.SaveChangesAsync(); });
        return job;
    }

    private async Task RunAsNodeAsync(Guid id)
    {
        var work = fixture.Services.GetRequiredKeyedService<IJobWork>(JobKind.UsersExport);
        var job = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id));
        await work.RunAsync(job, TestContext.Current.CancellationToken);
    }

    private Task<int> CompleteAsync(Guid id) =>
        fixture.WithDatabaseAsync(db => db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Completed)));

    private static async Task<List<JsonObject>> ReadFileAsync(HttpClient api, Guid id)
    {
        var response = await api.GetAsync($"/api/v1/jobs/{id}/file", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }

    private static JsonObject Line(List<JsonObject> lines, string email) => Assert.Single(lines, l => (string?)l["email"] == email);

    private static LegacyPasswordHash ExportedHash(JsonObject line) => LegacyPasswordHash.FromAuth0(line["custom_password_hash"]!);

    [Fact]
    public async Task Export_WritesEveryUser_InAuth0sShape_WithHashesThatVerify()
    {
        var api = await fixture.ApiAsync();
        var legacy = await fixture.Legacy.AddUserAsync("lazily-migrated-1");
        var signedIn = await fixture.LogInAsync(legacy.Email, legacy.Password);
        Assert.NotNull(signedIn);
        var nativeEmail = $"native-{Guid.NewGuid():N}@example.com";
        var nativeId = await CreateUserAsync(api, nativeEmail, "Native-Password-1!", new { plan = "pro", tags = new[] { "a", "b" } });
        var waitingEmail = $"waiting-{Guid.NewGuid():N}@example.com";
        var waitingId = await CreateUserAsync(api, waitingEmail, null);
        var resetEmail = $"reset-{Guid.NewGuid():N}@example.com";
        await CreateUserAsync(api, resetEmail, null);
        // As a bulk import leaves a user whose legacy hash waits for the first sign-in.
        await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == waitingId).ExecuteUpdateAsync(
            s => s.SetProperty(u => u.PasswordHash, LegacyCredential.Store(LegacyPasswordHash.FromBcrypt(BcryptHash)))));
        await api.PatchJsonAsync($"/api/v1/users/{nativeId}", new { blocked = true });

        var id = await StartExportAsync(api);
        var early = await api.GetAsync($"/api/v1/jobs/{id}/file", TestContext.Current.CancellationToken);
        if (early.StatusCode == HttpStatusCode.Conflict)
        {
            // Unless the runner was quicker than this request, the file is not there yet, and the answer says how far it is.
            var notYet = await early.ProblemAsync(HttpStatusCode.Conflict);
            Assert.True(notYet.GetProperty("state").GetString() is "Pending" or "Running");
            Assert.True(notYet.TryGetProperty("processed", out _));
        }

        await AwaitCompletedAsync(api, id);
        var lines = await ReadFileAsync(api, id);

        var users = await fixture.WithDatabaseAsync(db => db.Users.CountAsync());
        Assert.Equal(users, lines.Count);
        Assert.Equal(lines.Count, lines.Select(l => (string?)l["user_id"]).Distinct().Count());

        var native = Line(lines, nativeEmail);
        Assert.Equal(nativeId.ToString(), (string?)native["user_id"]);
        Assert.Equal("Export", (string?)native["given_name"]);
        Assert.Equal("Tester", (string?)native["family_name"]);
        Assert.True((bool)native["email_verified"]!);
        Assert.True((bool)native["blocked"]!);
        Assert.Equal("b", (string?)native["user_metadata"]!["tags"]![1]);
        var nativeHash = ExportedHash(native);
        Assert.Equal("pbkdf2", nativeHash.Algorithm);
        Assert.StartsWith("$pbkdf2-sha512$i=", nativeHash.Hash.Value, StringComparison.Ordinal);
        Assert.True(LegacyPasswordVerifier.Verify("Native-Password-1!", nativeHash));
        Assert.False(LegacyPasswordVerifier.Verify("Native-Password-2!", nativeHash));

        var migrated = Line(lines, legacy.Email);
        Assert.True(LegacyPasswordVerifier.Verify(legacy.Password, ExportedHash(migrated)));
        var identity = Assert.Single(migrated["identities"]!.AsArray())!;
        Assert.Equal("legacy", (string?)identity["connection"]);
        Assert.Equal(legacy.Id, (string?)identity["user_id"]);
        Assert.Equal("Imported", (string?)identity["origin"]);
        Assert.Equal("+1 202 555 0199", (string?)migrated["phone_number"]);

        var waiting = Line(lines, waitingEmail);
        Assert.Equal(LegacyPasswordHash.FromBcrypt(BcryptHash), ExportedHash(waiting));
        Assert.True(LegacyPasswordVerifier.Verify("correct horse 9", ExportedHash(waiting)));

        var reset = Line(lines, resetEmail);
        Assert.False(reset.ContainsKey("custom_password_hash"));
        Assert.False(reset.ContainsKey("password_hash"));

        // The file holds hashes; the logs never do.
        Assert.DoesNotContain(nativeHash.Hash.Value, fixture.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(BcryptHash, fixture.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumedFromItsCheckpoint_WritesOnlyUsersAfterIt_NoLineTwice()
    {
        var api = await fixture.ApiAsync();
        await CreateUserAsync(api, $"before-{Guid.NewGuid():N}@example.com", "Before-Password-1!");
        var job = await LeasedJobAsync();
        await RunAsNodeAsync(job.Id);
        var checkpoint = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        var laterEmail = $"later-{Guid.NewGuid():N}@example.com";
        await CreateUserAsync(api, laterEmail, "Later-Password-1!");

        // The node picks the job up again (after a crash, or another node after the lease lapsed): from the checkpoint.
        await RunAsNodeAsync(job.Id);
        await CompleteAsync(job.Id);
        var lines = await ReadFileAsync(api, job.Id);

        Assert.Equal(checkpoint.Processed + 1, lines.Count);
        Assert.Equal(lines.Count, lines.Select(l => (string?)l["user_id"]).Distinct().Count());
        Assert.Equal(laterEmail, (string?)lines[^1]["email"]);
        var done = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        Assert.Equal(lines.Count, done.Processed);
        Assert.Equal(await fixture.WithDatabaseAsync(db => db.Users.CountAsync()), lines.Count);
    }

    [Fact]
    public async Task Export_OfAJobThisNodeNoLongerHolds_WritesNothing()
    {
        var api = await fixture.ApiAsync();
        await CreateUserAsync(api, $"lost-{Guid.NewGuid():N}@example.com", "Lost-Lease-Password-1!");
        var job = await LeasedJobAsync();
        var stale = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        stale.LeaseOwner = "a-node-whose-lease-lapsed";

        await fixture.Services.GetRequiredKeyedService<IJobWork>(JobKind.UsersExport).RunAsync(stale, TestContext.Current.CancellationToken);

        var chunks = await fixture.WithDatabaseAsync(db => db.JobFileChunks.CountAsync(c => c.JobId == job.Id));
        var row = await fixture.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        Assert.Equal(0, chunks);
        Assert.Null(row.Checkpoint);
        Assert.Equal(0, row.Processed);
    }

    [Fact]
    public async Task Export_NeedsTheExportScope()
    {
        var reader = await fixture.ApiAsync("read:users");
        var api = await fixture.ApiAsync();
        var id = await StartExportAsync(api);

        var start = await reader.PostAsync("/api/v1/jobs/users-exports", null, TestContext.Current.CancellationToken);
        var file = await reader.GetAsync($"/api/v1/jobs/{id}/file", TestContext.Current.CancellationToken);

        Assert.Equal("export:users", (await start.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("requiredScope").GetString());
        Assert.Equal("export:users", (await file.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("requiredScope").GetString());
    }

    [Fact]
    public async Task File_OfAnUnknownJob_IsNotFound()
    {
        var api = await fixture.ApiAsync();

        var response = await api.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/file", TestContext.Current.CancellationToken);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }
}
