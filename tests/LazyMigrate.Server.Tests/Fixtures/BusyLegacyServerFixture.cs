namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// These tests hash hundreds of passwords at once on a small machine: the lowest native hash cost the configuration
/// accepts, and (as every legacy fixture has) a script deadline long enough for the whole burst to get through the
/// CPU. What they check is that nothing is duplicated or lost, not how fast two cores can hash.
/// </summary>
public sealed class BusyLegacyServerFixture : LegacyServerFixture
{
    // Opening a legacy connection waits for the CPU too: Npgsql's own 15 s connect timeout must not trip first.
    protected override string LegacyConnectionString(LegacyDatabase legacy) => Patient(legacy);

    public static string Patient(LegacyDatabase legacy) =>
        new Npgsql.NpgsqlConnectionStringBuilder(legacy.ConnectionString) { Timeout = 120 }.ConnectionString;

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:PasswordHashIterations"] = "100000";
        // A worker runs one call at a time; eight overlap the burst's legacy queries as the in-process sandbox did.
        settings["LazyMigrate:Sandbox:MaxWorkers"] = "8";
    }
}
