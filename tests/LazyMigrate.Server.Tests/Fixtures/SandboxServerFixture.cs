using LazyMigrate.Scripting.Workers;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The <c>legacy</c> connection's saved login script does, by the address's first word, one of the things that used to
/// take the whole server down (issue 11); any other address signs in from the legacy database as the demo script does.
/// </summary>
public sealed class SandboxServerFixture : ManagementApiFixture
{
    /// <summary>The scripts that overflow the .NET stack inside Jint, by the prefix that triggers them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Crashing = new Dictionary<string, string>
    {
        ["stringify"] = "let o = {}; for (let i = 0; i < 20000; i++) o = { a: o }; JSON.stringify(o);",
        ["string"] = "let a = []; for (let i = 0; i < 20000; i++) a = [a]; String(a);",
        ["join"] = "let a = []; for (let i = 0; i < 20000; i++) a = [a]; a.join();",
        ["flat"] = "let a = []; for (let i = 0; i < 20000; i++) a = [a]; a.flat(Infinity);",
        ["proxy"] = "const p = new Proxy({}, { get(target, key, receiver) { return receiver[key]; } }); p.x;",
        ["class"] = "let C = class {}; for (let i = 0; i < 10000; i++) C = class extends C {}; new C();",
    };

    /// <summary>Scripts that ask for far more memory than a worker has, by prefix.</summary>
    public static readonly IReadOnlyDictionary<string, string> Exhausting = new Dictionary<string, string>
    {
        ["hugearray"] = "const a = []; a.length = 2 ** 26; await db.query('SELECT 1', a);",
        ["hugestring"] = "const s = 'x'.repeat(2 ** 28); log.info(s.length);",
        ["argon"] = """
            const hash = '$argon2id$v=19$m=262144,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ';
            await Promise.all([1, 2, 3, 4, 5, 6].map(() => crypto.verifyPassword(password, hash)));
            """,
    };

    private readonly string _script = Path.Combine(Path.GetTempPath(), $"sandbox-login-{Guid.NewGuid():N}.js");

    // Generous: each hostile script must be stopped by what is under test (the crash, a cap), never by the deadline.
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(30);

    public SandboxWorkerPool Pool => Server.Services.GetRequiredService<SandboxWorkerPool>();

    public override async ValueTask InitializeAsync()
    {
        // "slow-": a second in the legacy database first, so a burst of these keeps every worker busy for a while.
        const string slow = "  if (email.startsWith('slow-')) { await db.query('SELECT pg_sleep(1)', []); }\n";
        var branches = slow + string.Concat(Crashing.Concat(Exhausting).Select(pair => $"  if (email.startsWith('{pair.Key}-')) {{ {pair.Value} return null; }}\n"));
        var demo = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "demo", "legacy", "login.js"));
        // The demo's login under another name, called when no hostile branch matches.
        await File.WriteAllTextAsync(_script, demo.Replace("async function login(", "async function demoLogin(", StringComparison.Ordinal) + $$"""

            async function login(email, password, context) {
            {{branches}}  return demoLogin(email, password, context);
            }
            """);
        await base.InitializeAsync();
    }

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in ConnectionSettings(0, "legacy", Legacy.ConnectionString, Timeout, _script))
        {
            settings[key] = value;
        }

        // A worker that needed a 256 MiB hash is retired after the call rather than kept at that size.
        settings["LazyMigrate:Sandbox:MaxWorkerMemoryMB"] = "200";
    }

    public async Task<bool> ScriptFailureAuditedAsync(string reason, DateTimeOffset since) =>
        await WithDatabaseAsync(db => db.AuditEvents.AnyAsync(a => a.Type == AuditEventType.ScriptFailed && a.Reason == reason && a.Connection == "legacy" && a.At >= since));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_script);
    }
}
