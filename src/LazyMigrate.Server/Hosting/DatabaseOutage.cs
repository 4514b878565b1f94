using Npgsql;

namespace LazyMigrate.Server.Hosting;

/// <summary>Tells an outage of our own PostgreSQL (unreachable, shutting down, dropped, out of connections) from a bug.</summary>
public static class DatabaseOutage
{
    public static bool IsOutage(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Class 08: connection exceptions; 57P0x: shutdown or terminated; 53: out of resources; 3D000: no such database.
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("57P0", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || postgres.SqlState == PostgresErrorCodes.InvalidCatalogName;

                // Not a server-side error: the connection itself failed (refused, reset, timed out).
                case NpgsqlException:
                    return true;
            }
        }

        return false;
    }
}
