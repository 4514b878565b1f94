using System.Diagnostics.Metrics;

namespace LazyMigrate.Server.LazyMigration;

/// <summary>Users migrated one at a time (at their first sign-in, or through a reset link) by connection.</summary>
public sealed class MigrationMetrics
{
    public const string MeterName = "LazyMigrate.LazyMigration";

    private readonly Counter<long> _migrations;

    public MigrationMetrics(IMeterFactory meters)
    {
        _migrations = meters.Create(MeterName).CreateCounter<long>("lazymigrate.migrations", "{user}",
            "Users imported from a legacy connection at sign-in (trigger sign_in) or through a password reset (trigger password_reset).");
    }

    public void Migrated(string connection, string? reason) => _migrations.Add(
        1,
        new KeyValuePair<string, object?>("connection", connection),
        new KeyValuePair<string, object?>("trigger", reason is null ? "sign_in" : "password_reset"));
}
