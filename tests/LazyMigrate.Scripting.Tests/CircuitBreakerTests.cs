using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>A legacy database that keeps refusing connections trips the breaker; later calls then fail fast.</summary>
public sealed class CircuitBreakerTests
{
    [Fact]
    public async Task UnreachableLegacyDatabase_FailsAsUnavailable_ThenTheCircuitOpens()
    {
        var scripts = new LegacyUserScripts();
        var connection = Sandbox.Connection("async function login(email) { const rows = await db.query('SELECT 1', []); return null; }", c => c with
        {
            DatabaseProvider = LegacyDatabaseProvider.Postgres,
            // Nothing listens on port 1: every connection attempt is refused at once.
            DatabaseConnectionString = "Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2",
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(5), BreakerMinimumThroughput = 3, BreakerFailureRatio = 0.5, BreakerDuration = TimeSpan.FromMinutes(5) },
        });

        var first = await scripts.LoginAsync(connection, "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);
        ScriptResult last = first;
        for (var i = 0; i < 4; i++)
        {
            last = await scripts.LoginAsync(connection, "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);
        }

        Sandbox.AssertFailed(first, ScriptFailureReason.LegacyUnavailable);
        Assert.Contains("paused", Sandbox.AssertFailed(last, ScriptFailureReason.LegacyUnavailable).Message, StringComparison.Ordinal);
    }
}
