using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// Scripts that try to escape or exhaust the sandbox. Each is stopped with its own reason, and the next call on the
/// same sandbox runs normally. Each test leaves only the limit under test able to trip: a small statement budget and a
/// generous deadline for the loops, a short deadline only where the deadline is what is tested.
/// </summary>
public sealed class HostileScriptTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    private readonly LegacyUserScripts _scripts = new();

    public static TheoryData<string, string, ScriptFailureReason> Hostile => new()
    {
        { "importNamespace", "async function login() { return importNamespace('System.IO'); }", ScriptFailureReason.ScriptError },
        { "System", "async function login() { return System.IO.File.ReadAllText('/etc/passwd'); }", ScriptFailureReason.ScriptError },
        { "GetType", "async function login() { return log.info.GetType().Assembly; }", ScriptFailureReason.ScriptError },
        { "host function constructor", "async function login() { return crypto.hash.constructor('return process')(); }", ScriptFailureReason.ScriptError },
        { "constructor.constructor", "async function login() { return ({}).constructor.constructor('return this')(); }", ScriptFailureReason.ScriptError },
        { "Function", "async function login() { return Function('return 1')(); }", ScriptFailureReason.ScriptError },
        { "eval", "async function login() { return eval('1 + 1'); }", ScriptFailureReason.ScriptError },
        { "while(true)", "async function login() { while (true) {} }", ScriptFailureReason.StatementLimit },
        { "loop after await", "async function login() { await null; await Promise.resolve(1); for (;;) {} }", ScriptFailureReason.StatementLimit },
        { "100 MB allocation", "async function login() { const a = []; for (let i = 0; i < 100; i++) a.push(new Array(1024 * 1024).fill(i)); return null; }", ScriptFailureReason.MemoryLimit },
        { "string doubling", "async function login() { let s = 'x'; while (true) s = s + s; }", ScriptFailureReason.MemoryLimit },
        { "unbounded recursion", "function down(n) { return down(n + 1) + 1; } async function login() { return down(0); }", ScriptFailureReason.Recursion },
        { "catastrophic regex", "async function login() { return /(a+)+$/.test('a'.repeat(5000) + '!') ? null : null; }", ScriptFailureReason.Timeout },
        { "promise that never settles", "async function login() { await new Promise(function () {}); }", ScriptFailureReason.Timeout },
        { "callback never called", "function login(email, password, callback) { }", ScriptFailureReason.Timeout },
        { "10 MB profile", "async function login(email) { return { id: '1', email: email, blob: 'x'.repeat(10 * 1024 * 1024) }; }", ScriptFailureReason.InvalidProfile },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task HostileScript_IsStoppedWithItsReason_AndTheNextCallIsUnaffected(string name, string script, ScriptFailureReason reason)
    {
        // Only the deadline tests get a short one; everything else must be stopped by its own limit first.
        var limits = reason == ScriptFailureReason.Timeout
            ? new ScriptLimits { Timeout = Short }
            : new ScriptLimits { Timeout = Generous, MaxStatements = 100_000 };
        var (result, _) = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script, c => c with { Limits = limits }));

        var failed = Sandbox.AssertFailed(result, reason);
        Assert.True(failed.Message.Length > 0, name);
        Assert.DoesNotContain("System.", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", failed.Message, StringComparison.Ordinal);

        var next = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(Sandbox.HealthyScript));
        Assert.Equal("42", Sandbox.AssertFound(next.Result).Id);
    }

    [Theory]
    [InlineData("test", "async function login() { return /(a+)+$/.test('a'.repeat(5000) + '!') ? null : null; }")]
    [InlineData("after an await", "async function login() { await null; return 'a'.repeat(5000).concat('!').replace(/(a+)+$/, '') ? null : null; }")]
    [InlineData("caught by the script", "async function login() { try { /(a+)+$/.test('a'.repeat(5000) + '!'); } catch (e) { } return null; }")]
    public async Task CatastrophicRegex_IsReportedAsARegexTimeout_NotAsTheCallsDeadline(string name, string script)
    {
        // The deadline is far away and the statement budget large: only the regex timeout can end this call.
        var limits = new ScriptLimits { Timeout = Generous, MaxStatements = 1_000_000 };
        var (result, _) = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script, c => c with { Limits = limits }));

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.Timeout);
        Assert.True(failed.Message.Contains("regular expression", StringComparison.Ordinal), $"{name}: {failed.Message}");
        Assert.DoesNotContain("deadline", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InfiniteLoop_WithAHugeStatementBudget_StopsAtTheDeadline()
    {
        var limits = new ScriptLimits { Timeout = Short, MaxStatements = int.MaxValue };
        var (result, _) = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection("async function login() { await null; while (true) {} }", c => c with { Limits = limits }));

        Sandbox.AssertFailed(result, ScriptFailureReason.Timeout);
    }

    [Fact]
    public async Task GlobalsAndPrototypeChanges_AreNotVisibleToTheNextCall()
    {
        const string polluter = """
            async function login(email) {
              globalThis.leaked = 'yes';
              Object.prototype.polluted = 'yes';
              Array.prototype.map = null;
              WrongUsernameOrPasswordError = null;
              return { id: '1' };
            }
            """;
        var connection = Sandbox.Connection(polluter);
        Sandbox.AssertFound((await Sandbox.TimedLoginAsync(_scripts, connection)).Result);

        var next = await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(Sandbox.HealthyScript + "\nasync function getUser(e) { return new WrongUsernameOrPasswordError(e) ? { id: '7' } : null; }"));
        Assert.Equal("42", Sandbox.AssertFound(next.Result).Id);

        // The very same prepared script, run again, starts clean too.
        var again = await Sandbox.TimedLoginAsync(_scripts, connection);
        Sandbox.AssertFound(again.Result);
    }

    [Fact]
    public async Task HostException_ReachesTheScriptAsAPlainError()
    {
        const string script = """
            async function login() {
              try { await crypto.verifyPassword('x', 'not a hash at all'); }
              catch (e) { return { id: '1', caught: e.message, type: e.constructor.name, stack: String(e.stack || '') }; }
            }
            """;
        var profile = Sandbox.AssertFound((await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script))).Result);

        var metadata = profile.UserMetadata!.ToJsonString();
        Assert.Contains("cannot tell the hash format", metadata, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"Error\"", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("LazyMigrate", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireOfAnUnknownModule_FailsWithTheListOfAvailableOnes()
    {
        var result = (await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection("function login(e, p, callback) { require('fs'); }"))).Result;

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
        Assert.Contains("module 'fs' is not available; available: ", failed.Message, StringComparison.Ordinal);
        Assert.Contains("bcrypt", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallbackCalledTwice_FirstCallCounts_AndTheSecondIsLogged()
    {
        const string script = "function login(email, password, callback) { callback(null, { user_id: 5 }); callback(new WrongUsernameOrPasswordError(email)); }";
        var result = (await Sandbox.TimedLoginAsync(_scripts, Sandbox.Connection(script))).Result;

        Assert.Equal("5", Sandbox.AssertFound(result).Id);
        Assert.Contains(result.Logs, entry => entry.Level == ScriptLogLevel.Warn && entry.Message.Contains("more than once", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SyntaxError_IsReportedWithLineAndColumn()
    {
        var validation = _scripts.Validate("async function login(email) {\n  return {\n    id: ;\n  };\n}");

        var error = Assert.Single(validation.Errors);
        Assert.False(validation.IsValid);
        Assert.Equal(3, error.Line);
        Assert.True(error.Column > 0);
    }
}
