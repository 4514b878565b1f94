using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Workers;

namespace LazyMigrate.Scripting.Tests;

/// <summary>One pool of real sandbox worker processes for a test class (the worker built into sandbox/).</summary>
public sealed class SandboxPoolFixture : IAsyncDisposable
{
    public SandboxWorkerPool Pool { get; } = new(new SandboxOptions { MaxWorkers = 2, WarmWorkers = 1, KillGrace = TimeSpan.FromMilliseconds(500) });

    public ValueTask DisposeAsync() => Pool.DisposeAsync();
}

/// <summary>
/// Scripts that kill, exhaust or hang the process they run in, run through the worker pool: each ends as a failure
/// with its own reason, only its worker is lost, and the next call gets a healthy one.
/// </summary>
public sealed class SandboxWorkerTests(SandboxPoolFixture fixture) : IClassFixture<SandboxPoolFixture>
{
    private readonly SandboxedLegacyUserScripts _scripts = new(fixture.Pool);

    /// <summary>A deadline that never trips first on a loaded machine, so the limit under test is the one that does.</summary>
    private static LegacyConnection Generous(LegacyConnection connection) => connection with { Limits = new ScriptLimits { Timeout = TimeSpan.FromMinutes(1) } };

    /// <summary>The pool serves a healthy call after whatever the test did to its worker.</summary>
    private async Task AssertHealthyAsync()
    {
        var next = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(Sandbox.HealthyScript, Generous));
        Assert.Equal("42", Sandbox.AssertFound(next.Result).Id);
    }

    /// <summary>The scripts of issue 11 that overflow the .NET stack inside Jint's own code, where no handler can catch it.</summary>
    public static TheoryData<string, string> Crashing => new()
    {
        { "JSON.stringify of 20,000 nested objects", "let o = {}; for (let i = 0; i < 20000; i++) o = { a: o }; JSON.stringify(o);" },
        { "String() of an array nested 20,000 deep", "let a = []; for (let i = 0; i < 20000; i++) a = [a]; String(a);" },
        { "join() of an array nested 20,000 deep", "let a = []; for (let i = 0; i < 20000; i++) a = [a]; a.join();" },
        { "flat(Infinity) of an array nested 20,000 deep", "let a = []; for (let i = 0; i < 20000; i++) a = [a]; a.flat(Infinity);" },
        { "a Proxy whose get trap reads itself", "const p = new Proxy({}, { get(target, key, receiver) { return receiver[key]; } }); p.x;" },
        { "10,000 class extends", "let C = class {}; for (let i = 0; i < 10000; i++) C = class extends C {}; new C();" },
    };

    [Theory]
    [MemberData(nameof(Crashing))]
    public async Task CrashingScript_FailsAsSandboxCrashed_AndTheNextCallGetsAHealthyWorker(string name, string body)
    {
        var before = fixture.Pool.Statistics;

        await fixture.Pool.WarmUpAsync(TestContext.Current.CancellationToken);
        var result = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection("async function login() { " + body + " return null; }", Generous));

        var failed = Sandbox.AssertFailed(result.Result, ScriptFailureReason.SandboxCrashed);
        Assert.True(failed.Message.Contains("stack", StringComparison.OrdinalIgnoreCase), failed.Message);
        Assert.True(fixture.Pool.Statistics.Crashed > before.Crashed, name);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task WorkersNoLongerNeeded_AreRetired_DownToTheWarmOnes_AndThePoolStillServes()
    {
        await using var pool = new SandboxWorkerPool(new SandboxOptions { MaxWorkers = 3, WarmWorkers = 1, IdleTimeout = TimeSpan.FromMilliseconds(200) });
        await pool.WarmUpAsync(3, TestContext.Current.CancellationToken);

        // No call needs them: the two beyond the warm one go, the warm one stays.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        for (var until = DateTime.UtcNow.AddMinutes(1); pool.Statistics.Live > 1 && DateTime.UtcNow < until;)
        {
            await poll.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, pool.Statistics.Live);
        Assert.Equal(3, pool.Statistics.Started);
        Assert.Equal(2, pool.Statistics.Trimmed);

        var (result, _) = await Sandbox.TimedLoginAsync(new SandboxedLegacyUserScripts(pool), Sandbox.Connection(Sandbox.HealthyScript));
        Sandbox.AssertFound(result);
    }

    [Fact]
    public async Task HostCallThatNeverReturns_IsKilledAtDeadlinePlusGrace_AsTimeout()
    {
        // An endless query on a driver that runs it on the calling thread and does not stop at the token (SQLite's
        // recursive CTE): the worker's engine thread is stuck and cannot answer, so the pool's watchdog kills it.
        const string script = "async function login() { await db.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c', []); return null; }";
        var connection = Sandbox.Connection(script, c => c with
        {
            DatabaseProvider = LegacyDatabaseProvider.Sqlite,
            DatabaseConnectionString = "Data Source=:memory:",
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(1) },
        });
        await fixture.Pool.WarmUpAsync(TestContext.Current.CancellationToken);
        var before = fixture.Pool.Statistics;

        var result = await Sandbox.TimedLoginAsync(_scripts, connection);

        Assert.Contains("killed", Sandbox.AssertFailed(result.Result, ScriptFailureReason.Timeout).Message, StringComparison.Ordinal);
        Assert.Equal(before.Killed + 1, fixture.Pool.Statistics.Killed);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task HashPastTheDeadline_EndsAsTimeout_AndRetiresItsWorker()
    {
        // bcrypt at cost 16 is several seconds of CPU that nothing can interrupt; the call still ends at its deadline.
        const string script = """
            async function login(email, password) {
              await crypto.verifyPassword(password, '$2b$16$abcdefghijklmnopqrstuuE0i7yCEuFVZSB8zFxYDEOQ1dIBhLWJi');
              return null;
            }
            """;
        var connection = Sandbox.Connection(script, c => c with { Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(1) } });
        await fixture.Pool.WarmUpAsync(TestContext.Current.CancellationToken);
        var before = fixture.Pool.Statistics;

        var result = await Sandbox.TimedLoginAsync(_scripts, connection);

        var failed = Sandbox.AssertFailed(result.Result, ScriptFailureReason.Timeout);
        Assert.True(fixture.Pool.Statistics.Recycled + fixture.Pool.Statistics.Killed > before.Recycled + before.Killed, failed.Message + " " + fixture.Pool.Statistics);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task HugeString_IsStoppedAsMemoryLimit_AndItsWorkerIsRecycled()
    {
        var before = fixture.Pool.Statistics;

        await fixture.Pool.WarmUpAsync(TestContext.Current.CancellationToken);
        var result = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection("async function login() { const s = 'x'.repeat(2 ** 28); return { id: s.length }; }", Generous));

        Sandbox.AssertFailed(result.Result, ScriptFailureReason.MemoryLimit);
        Assert.True(fixture.Pool.Statistics.Recycled > before.Recycled);
    }

    [Fact]
    public async Task HugeArrayAsQueryParameters_IsRefusedBeforeAnythingIsAllocated()
    {
        var connection = Sandbox.Connection("async function login() { const a = []; a.length = 2 ** 26; await db.query('SELECT 1', a); return null; }",
            c => Generous(c) with { DatabaseProvider = LegacyDatabaseProvider.Sqlite, DatabaseConnectionString = "Data Source=:memory:" });

        var result = await Sandbox.TimedLoginAsync(_scripts, connection);

        Assert.Contains("too large", Sandbox.AssertFailed(result.Result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelArgon2Checks_RunOneAtATime()
    {
        // Six checks at once would need six times the hash's memory; they queue behind each other within the call.
        const string script = """
            async function login(email, password) {
              const hash = '$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ';
              const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => crypto.verifyPassword(password, hash)));
              return { id: '1', all: all };
            }
            """;

        var result = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script, Generous));

        Assert.Equal("[false,false,false,false,false,false]", Sandbox.AssertFound(result.Result).UserMetadata!["all"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(HostileScriptTests.Hostile), MemberType = typeof(HostileScriptTests))]
    public async Task EveryHostileScriptOfTheInProcessSuite_IsStoppedWithTheSameReason_InAWorker(string name, string script, ScriptFailureReason reason)
    {
        var limits = reason == ScriptFailureReason.Timeout
            ? new ScriptLimits { Timeout = TimeSpan.FromSeconds(2) }
            : new ScriptLimits { Timeout = TimeSpan.FromMinutes(1), MaxStatements = 100_000 };
        await fixture.Pool.WarmUpAsync(TestContext.Current.CancellationToken);

        var result = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script, c => c with { Limits = limits }));

        var failed = Sandbox.AssertFailed(result.Result, reason);
        Assert.DoesNotContain("Exception", failed.Message, StringComparison.Ordinal);
        Assert.True(failed.Message.Length > 0, name);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task ScriptsAndLimits_BehaveAsInProcess()
    {
        var result = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection("async function login() { while (true) {} }", c => c with
        {
            Limits = new ScriptLimits { Timeout = TimeSpan.FromMinutes(1), MaxStatements = 10_000 },
        }));

        Sandbox.AssertFailed(result.Result, ScriptFailureReason.StatementLimit);
    }

    [Fact]
    public async Task SecretsAndThePassword_AreRedacted_InTheirEncodedForms()
    {
        const string script = """
            async function login(email, password) {
              log.info('b64', Buffer.from('ada:' + password).toString('base64'));
              log.info('hex', Buffer.from(configuration.API_KEY).toString('hex').toUpperCase());
              log.info('url', encodeURIComponent(password));
              return null;
            }
            """;
        var connection = Sandbox.Connection(script, c => c with
        {
            Settings = new Dictionary<string, string> { ["API_KEY"] = "key-0123456789" },
            SecretSettings = new HashSet<string> { "API_KEY" },
        });

        var result = await _scripts.LoginAsync(Generous(connection), "ada@example.com", "p@ss word/+?", new ScriptContext(), TestContext.Current.CancellationToken);

        var logs = string.Join("\n", result.Logs.Select(l => l.Message));
        Assert.DoesNotContain(Convert.ToHexString("key-0123456789"u8), logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Uri.EscapeDataString("p@ss word/+?"), logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String("ada:p@ss word/+?"u8)[8..], logs, StringComparison.Ordinal);
        Assert.Equal(3, result.Logs.Count(l => l.Message.Contains("[redacted]", StringComparison.Ordinal)));
    }
}
