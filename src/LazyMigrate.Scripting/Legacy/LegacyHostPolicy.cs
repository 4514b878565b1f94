using Microsoft.Data.SqlClient;
using MySqlConnector;
using Npgsql;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>
/// Decides which hosts a script may reach with a connection string or URL of its own: the connection's own legacy
/// database host and the hosts on its allow-list, compared by name before any socket opens. Anything else would let
/// a script probe the internal network from the identity provider.
/// </summary>
public static class LegacyHostPolicy
{
    public static bool IsAllowed(LegacyConnection connection, string host, int? port = null)
    {
        host = Normalise(host);
        if (DatabaseHost(connection) is { } own && string.Equals(own, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return connection.HttpAllowList.Any(entry => Matches(entry.Trim(), host, port));
    }

    public static void EnsureAllowed(LegacyConnection connection, string host, int? port = null)
    {
        if (!IsAllowed(connection, host, port))
        {
            throw new Host.ScriptHostException(
                $"host '{host}' is neither this connection's legacy database host nor on its allow-list");
        }
    }

    /// <summary>The host named in the connection's own legacy database connection string, if any.</summary>
    public static string? DatabaseHost(LegacyConnection connection)
    {
        if (string.IsNullOrWhiteSpace(connection.DatabaseConnectionString))
        {
            return null;
        }

        try
        {
            var host = connection.DatabaseProvider switch
            {
                LegacyDatabaseProvider.Postgres => new NpgsqlConnectionStringBuilder(connection.DatabaseConnectionString).Host,
                LegacyDatabaseProvider.MySql => new MySqlConnectionStringBuilder(connection.DatabaseConnectionString).Server,
                LegacyDatabaseProvider.SqlServer => SqlServerHost(new SqlConnectionStringBuilder(connection.DatabaseConnectionString).DataSource),
                _ => null,
            };
            return string.IsNullOrWhiteSpace(host) ? null : Normalise(host);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>An allow-list entry is a host name, host:port, or a URL whose host (and port) count.</summary>
    private static bool Matches(string entry, string host, int? port)
    {
        if (entry.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(entry, UriKind.Absolute, out var uri)
                && string.Equals(Normalise(uri.Host), host, StringComparison.OrdinalIgnoreCase)
                && (port is null || uri.Port == port);
        }

        var separator = entry.LastIndexOf(':');
        if (separator > 0 && entry.Count(c => c == ':') == 1)
        {
            return string.Equals(Normalise(entry[..separator]), host, StringComparison.OrdinalIgnoreCase)
                && (port is null || entry[(separator + 1)..] == port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Equals(Normalise(entry), host, StringComparison.OrdinalIgnoreCase);
    }

    private static string SqlServerHost(string dataSource)
    {
        var host = dataSource.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? dataSource[4..] : dataSource;
        var end = host.IndexOfAny([',', '\\']);
        return end >= 0 ? host[..end] : host;
    }

    private static string Normalise(string host) => host.Trim().Trim('[', ']').TrimEnd('.');
}
