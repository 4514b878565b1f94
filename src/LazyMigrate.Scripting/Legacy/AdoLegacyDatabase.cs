using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>
/// One adapter for the four ADO.NET drivers: they differ only in how a connection is made and how a positional
/// parameter is named. Every call opens a pooled connection, binds parameters and honours the call's token.
/// </summary>
internal sealed class AdoLegacyDatabase(LegacyDatabaseProvider provider, string connectionString) : ILegacyDatabase
{
    /// <summary>
    /// A login lookup returns a row or two; a query returning thousands is a script bug (a missing WHERE) and would
    /// pull the legacy table into memory, so it fails instead.
    /// </summary>
    public const int MaxRows = 1000;

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(
        string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = provider == LegacyDatabaseProvider.Sqlite ? NumberSqlitePlaceholders(sql) : sql;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = command.CreateParameter();
            // PostgreSQL ($1) and MySQL (?) bind unnamed parameters by position; SQL Server needs @p0 names and
            // SQLite's ? placeholders are numbered ?1, ?2... by SQLite itself.
            parameter.ParameterName = provider switch
            {
                LegacyDatabaseProvider.SqlServer => "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                LegacyDatabaseProvider.Sqlite => "?" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
            parameter.Value = LegacyValues.ToParameter(parameters[i]);
            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (rows.Count == MaxRows)
            {
                throw new Host.ScriptHostException($"the query returned more than {MaxRows} rows; narrow it with WHERE or LIMIT");
            }

            var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.Ordinal);
            for (var column = 0; column < reader.FieldCount; column++)
            {
                row[reader.GetName(column)] = LegacyValues.FromColumn(reader.IsDBNull(column) ? null : reader.GetValue(column));
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Microsoft.Data.Sqlite binds by name only, and a bare <c>?</c> has none; numbering them <c>?1, ?2...</c>
    /// (outside quotes and comments) lets scripts keep the usual <c>?</c> syntax.
    /// </summary>
    internal static string NumberSqlitePlaceholders(string sql)
    {
        var result = new System.Text.StringBuilder(sql.Length + 8);
        var number = 0;
        for (var i = 0; i < sql.Length; i++)
        {
            var c = sql[i];
            char? closing = c switch { '\'' => '\'', '"' => '"', '`' => '`', '[' => ']', _ => null };
            if (closing is { } close)
            {
                var end = sql.IndexOf(close, i + 1);
                end = end < 0 ? sql.Length - 1 : end;
                result.Append(sql, i, end - i + 1);
                i = end;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length - 1 : end;
                result.Append(sql, i, end - i + 1);
                i = end;
            }
            else if (c == '?' && (i + 1 == sql.Length || !char.IsAsciiDigit(sql[i + 1])))
            {
                result.Append('?').Append(++number);
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private DbConnection CreateConnection() => provider switch
    {
        LegacyDatabaseProvider.Postgres => new NpgsqlConnection(connectionString),
        LegacyDatabaseProvider.MySql => new MySqlConnection(connectionString),
        LegacyDatabaseProvider.SqlServer => new SqlConnection(connectionString),
        LegacyDatabaseProvider.Sqlite => new SqliteConnection(connectionString),
        _ => throw new Host.ScriptHostException("this connection has no legacy database"),
    };
}

/// <summary>The default factory: ADO.NET drivers, pooled by connection string.</summary>
public sealed class LegacyDatabaseFactory : ILegacyDatabaseFactory
{
    public ILegacyDatabase Open(LegacyDatabaseProvider provider, string connectionString) =>
        new AdoLegacyDatabase(provider, connectionString);
}
