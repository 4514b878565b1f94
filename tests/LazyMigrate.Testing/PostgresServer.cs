using Npgsql;
using Testcontainers.PostgreSql;

namespace LazyMigrate.Testing;

/// <summary>
/// The PostgreSQL server every test in a process shares. ./test.sh (and CI) starts a private cluster and passes its
/// superuser connection string in <c>LAZYMIGRATE_TEST_POSTGRES</c>; without it a Testcontainers container is started.
/// There is deliberately no SQLite or in-memory fallback: without a real server the tests fail.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "LAZYMIGRATE_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A connection string to the server's maintenance database, for a role that may create databases.</summary>
    public static Task<string> GetConnectionStringAsync() => Server.Value;

    /// <summary>Creates an empty database with a unique name; dispose the result to drop it.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string prefix = "t")
    {
        var server = await GetConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(server, name, builder.ConnectionString);
    }

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new NpgsqlConnectionStringBuilder(configured) { Database = "postgres" }.ConnectionString;
        }

        PostgreSqlContainer container;
        try
        {
            container = new PostgreSqlBuilder("postgres:15-alpine").Build();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL for the tests: set {EnvironmentVariable} (./test.sh does) or run a Docker engine for Testcontainers.", ex);
        }

        await container.StartAsync();
        // The container lives as long as the test process; Testcontainers' reaper removes it afterwards.
        return container.GetConnectionString();
    }
}

/// <summary>A database created for one test class (or one test); dropping it on dispose keeps the server clean.</summary>
public sealed class TestDatabase(string serverConnectionString, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
