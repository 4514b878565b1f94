using System.Data.Common;
using System.Net.Sockets;
using MySqlConnector;
using Npgsql;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>
/// Tells "the legacy system is unreachable or overloaded" apart from "the script asked something wrong". Only the
/// first trips the circuit breaker and is reported as <see cref="ScriptFailureReason.LegacyUnavailable"/>.
/// </summary>
internal static class LegacyFaults
{
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient,
        NpgsqlException => true,
        MySqlException my => my.IsTransient || my.ErrorCode is MySqlErrorCode.UnableToConnectToHost,
        DbException db => db.IsTransient,
        SocketException or TimeoutException => true,
        HttpRequestException http => http.StatusCode is null,
        _ => ex.InnerException is { } inner && IsUnavailable(inner),
    };
}
