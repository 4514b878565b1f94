using System.Diagnostics;
using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>Small helpers so each test reads as its script and its expected outcome.</summary>
internal static class Sandbox
{
    public const string Password = "Zebra-Quokka-4711!";

    public static LegacyConnection Connection(string script, Func<LegacyConnection, LegacyConnection>? configure = null)
    {
        var connection = new LegacyConnection { Name = "test-" + Guid.NewGuid().ToString("N"), LoginScript = script, GetUserScript = script, CountUsersScript = script };
        return configure is null ? connection : configure(connection);
    }

    public static async Task<(ScriptResult Result, TimeSpan Elapsed)> TimedLoginAsync(ILegacyUserScripts scripts, LegacyConnection connection, string email = "ada@example.com", string password = Password)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await scripts.LoginAsync(connection, email, password, new ScriptContext(), TestContext.Current.CancellationToken);
        return (result, stopwatch.Elapsed);
    }

    public static ScriptOutcome.Failed AssertFailed(ScriptResult result, ScriptFailureReason reason)
    {
        var failed = Assert.IsType<ScriptOutcome.Failed>(result.Outcome);
        Assert.True(failed.Reason == reason, $"expected {reason}, got {failed.Reason}: {failed.Message}");
        return failed;
    }

    public static LegacyProfile AssertFound(ScriptResult result)
    {
        Assert.True(result.Outcome is ScriptOutcome.Found, $"expected a profile, got {result.Outcome}");
        return ((ScriptOutcome.Found)result.Outcome).Profile;
    }

    public const string HealthyScript = """
        async function login(email, password, context) {
          if (globalThis.leaked !== undefined || Object.prototype.polluted !== undefined || typeof Array.prototype.map !== 'function') {
            throw new Error('state from an earlier call is visible');
          }
          return { id: '42', email: email };
        }
        """;
}
