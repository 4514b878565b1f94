using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Sandbox;

/// <summary>
/// Issue 11: a script that kills, exhausts or hangs its process takes down only its sandbox worker. Through Try and
/// as the saved login script at a real login, the server stays ready, a local user signs in during and after, the
/// call fails with its reason and is audited, and the next call gets a healthy worker. No elapsed-time assertions.
/// </summary>
[Collection(nameof(SandboxIsolation))]
public class SandboxIsolationTests(SandboxServerFixture fixture) : IClassFixture<SandboxServerFixture>
{
    private const string TryAgainLater = "<li>We can&#x27;t sign you in right now";

    public static TheoryData<string> CrashingPrefixes => [.. SandboxServerFixture.Crashing.Keys];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(CrashingPrefixes))]
    public async Task CrashingScript_AtARealLogin_SaysTryAgainLater_IsAudited_AndTheServerCarriesOn(string prefix)
    {
        var local = await fixture.Server.Services.CreateUserAsync();
        var since = DateTimeOffset.UtcNow;
        var before = fixture.Pool.Statistics;
        var email = $"{prefix}-{Guid.NewGuid():N}@legacy.example";

        // A local user signs in while the worker dies under the hostile login.
        var hostile = fixture.LogInAsync(email, "Zebra-Crash-Course-11");
        var during = fixture.LogInAsync(local.Email, local.Password);
        var page = await hostile;

        Assert.False((await during).IsLogin);
        Assert.True(page.IsLogin);
        Assert.Contains(TryAgainLater, page.Html, StringComparison.Ordinal);
        Assert.True(await fixture.ScriptFailureAuditedAsync("SandboxCrashed", since));
        var normalised = email.ToUpperInvariant();
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalised, Ct)));
        Assert.True(fixture.Pool.Statistics.Crashed > before.Crashed);
        Assert.DoesNotContain("Zebra-Crash-Course-11", fixture.Log.Text, StringComparison.Ordinal);
        await AssertServerHealthyAsync(local);
    }

    [Theory]
    [MemberData(nameof(CrashingPrefixes))]
    public async Task CrashingScript_ThroughTry_FailsAsSandboxCrashed_IsAudited_AndTheServerCarriesOn(string prefix)
    {
        var local = await fixture.Server.Services.CreateUserAsync();
        var since = DateTimeOffset.UtcNow;
        using var api = await fixture.ApiAsync("update:connections");

        var tried = api.PostAsJsonAsync("/api/v1/connections/legacy/scripts/login/try", new { email = $"{prefix}-try@legacy.example", password = "Zebra-Try-11" }, Ct);
        var during = fixture.LogInAsync(local.Email, local.Password);
        using var response = await tried;

        Assert.False((await during).IsLogin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var trial = await response.JsonAsync();
        Assert.Equal("Failed", trial.GetProperty("outcome").GetString());
        Assert.Equal("SandboxCrashed", trial.GetProperty("reason").GetString());
        Assert.True(await fixture.ScriptFailureAuditedAsync("SandboxCrashed", since));
        await AssertServerHealthyAsync(local);
    }

    [Theory]
    [InlineData("hugearray", "ScriptError")]
    [InlineData("hugestring", "MemoryLimit")]
    public async Task ExhaustingScript_IsStoppedWithItsReason_AndTheServersMemoryStaysPut(string prefix, string reason)
    {
        var local = await fixture.Server.Services.CreateUserAsync();
        using var api = await fixture.ApiAsync("update:connections");
        var (managed, resident) = ServerMemory();

        using var response = await api.PostAsJsonAsync("/api/v1/connections/legacy/scripts/login/try", new { email = $"{prefix}-try@legacy.example", password = "Zebra-Try-11" }, Ct);

        var trial = await response.JsonAsync();
        Assert.Equal(reason, trial.GetProperty("reason").GetString());
        AssertMemoryBound(managed, resident);
        await AssertServerHealthyAsync(local);
    }

    [Fact]
    public async Task ParallelArgon2At256MiB_KeepsTheServersMemoryPut_AndRetiresTheWorker()
    {
        var local = await fixture.Server.Services.CreateUserAsync();
        var before = fixture.Pool.Statistics;
        var (managed, resident) = ServerMemory();

        var page = await fixture.LogInAsync($"argon-{Guid.NewGuid():N}@legacy.example", "Zebra-Argon-11");

        // Six checks run one after another inside the worker (at most 256 MiB at a time); the worker that held
        // that much is retired after the call. Whether the six finish inside the deadline depends on the machine.
        Assert.True(page.IsLogin);
        AssertMemoryBound(managed, resident);
        Assert.True(fixture.Pool.Statistics.Recycled + fixture.Pool.Statistics.Killed > before.Recycled + before.Killed, fixture.Pool.Statistics.ToString());
        await AssertServerHealthyAsync(local);
    }

    [Fact]
    public async Task WorkerKilledDuringABurstOfFirstLogins_EachSignsInOrIsToldToTryAgain_AndNoUserIsHalfMade()
    {
        var people = new List<LegacyServerFixtureUser>();
        for (var i = 0; i < 8; i++)
        {
            var user = await fixture.Legacy.AddUserAsync("burst password " + i, email: $"slow-{Guid.NewGuid():N}@legacy.example");
            people.Add(new LegacyServerFixtureUser(user.Email, user.Password));
        }

        var burst = people.Select(p => fixture.LogInAsync(p.Email, p.Password)).ToList();
        // Wait (on the pool's own state) until the workers are busy with them, then kill -9 one.
        var victim = await BusyWorkerAsync();
        using (var process = Process.GetProcessById(victim))
        {
            process.Kill();
        }

        var pages = await Task.WhenAll(burst);

        Assert.All(pages, page => Assert.True(!page.IsLogin || page.Html.Contains(TryAgainLater, StringComparison.Ordinal), page.Html));
        Assert.Contains(pages, page => page.IsLogin);
        foreach (var (person, page) in people.Zip(pages))
        {
            var normalised = person.Email.ToUpperInvariant();
            var stored = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().Include(u => u.Identities).SingleOrDefaultAsync(u => u.NormalizedEmail == normalised, Ct));
            // Either the whole import happened (it signed in) or nothing did.
            Assert.Equal(!page.IsLogin, stored is not null);
            if (stored is not null)
            {
                Assert.Equal("legacy", Assert.Single(stored.Identities).Connection);
                Assert.NotNull(stored.PasswordHash);
            }
        }

        // Those told to try again can, and now they get in.
        foreach (var (person, _) in people.Zip(pages).Where(pair => pair.Second.IsLogin))
        {
            Assert.False((await fixture.LogInAsync(person.Email, person.Password)).IsLogin);
        }
    }

    private async Task<int> BusyWorkerAsync()
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        while (true)
        {
            var statistics = fixture.Pool.Statistics;
            // Every live worker busy (the burst holds them all for a second each): whichever is killed has a call.
            if (statistics.Live > 0 && statistics.Idle == 0 && statistics.ProcessIds.Count > 0)
            {
                return statistics.ProcessIds[0];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), limit.Token);
        }
    }

    private sealed record LegacyServerFixtureUser(string Email, string Password);

    /// <summary>
    /// The bound on the server process's own growth while a worker allocates hundreds of MB: 64 MB of managed heap
    /// (after a full collection) and 256 MB resident. In-process, the same scripts took 0.5 to 14 GB.
    /// </summary>
    private static void AssertMemoryBound(long managedBefore, long residentBefore)
    {
        var (managed, resident) = ServerMemory();
        Assert.True(managed - managedBefore < 64L * 1024 * 1024, $"managed heap grew by {(managed - managedBefore) / (1024 * 1024)} MB");
        Assert.True(resident - residentBefore < 256L * 1024 * 1024, $"resident memory grew by {(resident - residentBefore) / (1024 * 1024)} MB");
    }

    private static (long Managed, long Resident) ServerMemory()
    {
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    /// <summary>Ready, a local user signs in, and a legacy user migrates through a (new) healthy worker.</summary>
    private async Task AssertServerHealthyAsync(TestUser local)
    {
        using var health = await fixture.Anonymous().GetAsync("/health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False((await fixture.LogInAsync(local.Email, local.Password)).IsLogin);
        var legacy = await fixture.Legacy.AddUserAsync("after the storm");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var normalised = legacy.Email.ToUpperInvariant();
        Assert.True(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalised, Ct)));
    }
}

/// <summary>Runs alone: the memory bound measures this process, which other test classes would otherwise share.</summary>
[CollectionDefinition(nameof(SandboxIsolation), DisableParallelization = true)]
public sealed class SandboxIsolation;
