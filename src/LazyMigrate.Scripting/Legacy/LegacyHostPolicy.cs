using Microsoft.Data.SqlClient;
using MySqlConnector;
using Npgsql;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>
/// Decides which hosts and ports a script may reach with a connection string or URL of its own: the connection's own
/// legacy database at its configured port, and the hosts on its allow-list, compared by name before any socket opens.
/// An allow-list entry that is a bare host allows only the protocol's standard port; any other port must be named
/// (<c>host:port</c>, or a URL with a port). Anything else would let a script probe the internal network, or every
/// port of an allowed host, from the identity provider; and the refusal reads the same whatever the port, so its
/// message cannot be used to scan ports either.
/// </summary>
public static class LegacyHostPolicy
{
    /// <param name="connection">The connection whose script asks.</param>
    /// <param name="host">The host the script named.</param>
    /// <param name="port">The port the script asked for; its protocol's standard one when it named none.</param>
    /// <param name="standardPort">The protocol's standard port (5432, 3306, 80, 443): what a bare host entry allows.</param>
    public static bool IsAllowed(LegacyConnection connection, string host, int port, int standardPort)
    {
        host = Normalise(host);
        if (DatabaseEndpoint(connection) is { } own && string.Equals(own.Host, host, StringComparison.OrdinalIgnoreCase) && own.Port == port)
        {
            return true;
        }

        return connection.HttpAllowList.Any(entry => Matches(entry.Trim(), host, port, standardPort));
    }

    /// <inheritdoc cref="IsAllowed"/>
    public static void EnsureAllowed(LegacyConnection connection, string host, int port, int standardPort)
    {
        if (!IsAllowed(connection, host, port, standardPort))
        {
            // Never the port in the message, and the same text for every port: no scanning through error messages.
            throw new Host.ScriptHostException(
                $"host '{host}' is neither this connection's legacy database host (at its port) nor on its allow-list for that port");
        }
    }

    /// <summary>The host and port named in the connection's own legacy database connection string, if any.</summary>
    public static (string Host, int Port)? DatabaseEndpoint(LegacyConnection connection)
    {
        if (string.IsNullOrWhiteSpace(connection.DatabaseConnectionString))
        {
            return null;
        }

        try
        {
            var (host, port) = connection.DatabaseProvider switch
            {
                LegacyDatabaseProvider.Postgres => Postgres(new NpgsqlConnectionStringBuilder(connection.DatabaseConnectionString)),
                LegacyDatabaseProvider.MySql => MySql(new MySqlConnectionStringBuilder(connection.DatabaseConnectionString)),
                LegacyDatabaseProvider.SqlServer => SqlServer(new SqlConnectionStringBuilder(connection.DatabaseConnectionString).DataSource),
                _ => (null, 0),
            };
            return string.IsNullOrWhiteSpace(host) ? null : (Normalise(host), port);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// An allow-list entry is a host name (its standard port only), host:port, or a URL whose host and port count (a
    /// URL without a port means its scheme's standard one).
    /// </summary>
    private static bool Matches(string entry, string host, int port, int standardPort)
    {
        if (entry.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(entry, UriKind.Absolute, out var uri)
                && string.Equals(Normalise(uri.Host), host, StringComparison.OrdinalIgnoreCase)
                && port == (uri.Port >= 0 ? uri.Port : standardPort);
        }

        var separator = entry.LastIndexOf(':');
        if (separator > 0 && entry.Count(c => c == ':') == 1)
        {
            return string.Equals(Normalise(entry[..separator]), host, StringComparison.OrdinalIgnoreCase)
                && entry[(separator + 1)..] == port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return string.Equals(Normalise(entry), host, StringComparison.OrdinalIgnoreCase) && port == standardPort;
    }

    private static (string? Host, int Port) Postgres(NpgsqlConnectionStringBuilder builder) => (builder.Host, builder.Port);

    private static (string? Host, int Port) MySql(MySqlConnectionStringBuilder builder) => (builder.Server, (int)builder.Port);

    /// <summary>SQL Server's data source, <c>[tcp:]host[\instance][,port]</c>: port 1433 unless one is named.</summary>
    private static (string? Host, int Port) SqlServer(string dataSource)
    {
        var text = dataSource.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? dataSource[4..] : dataSource;
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        var port = comma >= 0 && int.TryParse(text[(comma + 1)..].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var named)
            ? named
            : 1433;
        var end = text.IndexOfAny([',', '\\']);
        return (end >= 0 ? text[..end] : text, port);
    }

    private static string Normalise(string host) => host.Trim().Trim('[', ']').TrimEnd('.');
}
