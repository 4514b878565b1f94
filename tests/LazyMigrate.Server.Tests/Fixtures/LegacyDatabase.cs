using LazyMigrate.Testing;
using Npgsql;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>A legacy user database shaped like the demo one (demo/legacy), on the real PostgreSQL server.</summary>
public sealed class LegacyDatabase : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private int _nextId;

    private LegacyDatabase(TestDatabase database) => _database = database;

    public string ConnectionString => _database.ConnectionString;

    public static async Task<LegacyDatabase> CreateAsync()
    {
        var legacy = new LegacyDatabase(await PostgresServer.CreateDatabaseAsync("legacy"));
        await legacy.ExecuteAsync("""
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE TABLE users (
                id integer PRIMARY KEY, email text NOT NULL UNIQUE, username text NOT NULL UNIQUE,
                first_name text NOT NULL, last_name text NOT NULL, phone text, email_verified boolean NOT NULL DEFAULT false,
                hash_algorithm text NOT NULL, password_hash text NOT NULL, password_salt text, created_at timestamptz NOT NULL DEFAULT now());
            """);
        return legacy;
    }

    /// <summary>Adds a legacy user with a bcrypt hash (cost 4: the tests measure behaviour, not bcrypt) and returns its email.</summary>
    public async Task<LegacyUser> AddUserAsync(string password, string givenName = "Grace", string familyName = "Hopper", string? email = null, bool emailVerified = true)
    {
        var id = Interlocked.Increment(ref _nextId);
        email ??= $"legacy-{Guid.NewGuid():N}@legacy.example";
        await ExecuteAsync(
            "INSERT INTO users (id, email, username, first_name, last_name, phone, email_verified, hash_algorithm, password_hash) " +
            "VALUES (@id, @email, @username, @given, @family, '+1 202 555 0199', @verified, 'bcrypt', crypt(@password, gen_salt('bf', 4)))",
            ("id", id), ("email", email), ("username", "legacy" + id + Guid.NewGuid().ToString("N")[..6]), ("given", givenName), ("family", familyName), ("password", password), ("verified", emailVerified));
        return new LegacyUser(id.ToString(System.Globalization.CultureInfo.InvariantCulture), email, password);
    }

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> QueryScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}

public sealed record LegacyUser(string Id, string Email, string Password);
