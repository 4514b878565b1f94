namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The <c>legacy</c> connection with the demo's <c>listUsers</c> script too, and a second connection, <c>looping</c>,
/// whose listUsers always answers the same cursor. Retries are few and short: a test of a failing legacy system
/// waits for the retries to run out, not for minutes.
/// </summary>
public class PullImportServerFixture : ManagementApiFixture
{
    private readonly string _loopingScript = Path.Combine(Path.GetTempPath(), $"lazymigrate-looping-{Guid.NewGuid():N}.js");

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        File.WriteAllText(_loopingScript, """
            async function login(email, password, context) { return null; }
            async function listUsers(cursor, limit, context) { return { users: [{ id: 'same', email: 'same@legacy.example' }], nextCursor: 'again' }; }
            """);
        settings["LazyMigrate:Connections:0:Scripts:ListUsers"] = Path.Combine(RepositoryRoot(), "demo", "legacy", "listUsers.js");
        foreach (var (key, value) in ConnectionSettings(1, "looping", Legacy.ConnectionString, Timeout, _loopingScript))
        {
            settings[key] = value;
        }

        settings["LazyMigrate:Connections:1:Scripts:ListUsers"] = _loopingScript;
        settings["LazyMigrate:PullImport:Retries"] = "2";
        settings["LazyMigrate:PullImport:RetryDelay"] = "00:00:00.010";
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_loopingScript);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same, but the legacy database is unreachable (nothing listens on the port).</summary>
public sealed class DeadPullImportServerFixture : PullImportServerFixture
{
    protected override string LegacyConnectionString(LegacyDatabase legacy) =>
        new Npgsql.NpgsqlConnectionStringBuilder(legacy.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;

    protected override TimeSpan Timeout => TimeSpan.FromSeconds(3);
}
