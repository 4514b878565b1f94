using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LazyMigrate.Scripting;
using LazyMigrate.Testing;
using Npgsql;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// A run in which a database call failed never ends in a verdict about the user, whatever the script made of the
/// error: against a real PostgreSQL whose database has no users table, with wrong credentials, and with no server.
/// </summary>
public sealed class FailedLegacyCallTests : IAsyncLifetime
{
    private readonly LegacyUserScripts _scripts = new();
    private TestDatabase? _database;
    private NpgsqlConnectionStringBuilder _builder = null!;

    // In the shape of Authing's PostgreSQL templates: everything inside one try, every error rewrapped.
    private const string AuthingScript = """
        async function login(query, password, context) {
          const { Client } = require('pg');
          const client = new Client({ host: env.DB_HOST, port: env.DB_PORT, user: env.DB_USERNAME, password: env.DB_PASSWORD, database: env.DB_DATABASE });
          try {
            await client.connect();
            const res = await client.query('SELECT * FROM users WHERE email = $1', [query.email]);
            if (res.rows.length === 0) throw new Error('User not exists!');
            const bcrypt = require('bcrypt');
            if (!(await bcrypt.compare(password, res.rows[0].password_hash))) throw new Error('Password is incorrect!');
            return { id: res.rows[0].id, email: res.rows[0].email };
          } catch (error) {
            throw new Error('Execute query failed: ' + error.message);
          } finally {
            await client.end();
          }
        }
        async function getUser(query, context) {
          const { Client } = require('pg');
          const client = new Client({ host: env.DB_HOST, port: env.DB_PORT, user: env.DB_USERNAME, password: env.DB_PASSWORD, database: env.DB_DATABASE });
          try {
            await client.connect();
            const res = await client.query('SELECT * FROM users WHERE email = $1', [query.email]);
            if (res.rows.length === 0) throw new Error('User not exists!');
            return { id: res.rows[0].id, email: res.rows[0].email };
          } catch (error) {
            throw new Error('Execute query failed: ' + error.message);
          }
        }
        """;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("nousers");
        _builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private LegacyConnection Authing(string? password = null, int? port = null, string? host = null) => Sandbox.Connection(AuthingScript) with
    {
        // The port rule: a script's own database connection reaches a host only at the port the allow-list names.
        HttpAllowList = [$"{host ?? _builder.Host}:{port ?? _builder.Port}"],
        Settings = new Dictionary<string, string>
        {
            ["DB_HOST"] = host ?? _builder.Host!,
            ["DB_PORT"] = (port ?? _builder.Port).ToString(CultureInfo.InvariantCulture),
            ["DB_USERNAME"] = _builder.Username!,
            ["DB_PASSWORD"] = password ?? _builder.Password ?? "",
            ["DB_DATABASE"] = _builder.Database!,
        },
        SecretSettings = new HashSet<string> { "DB_PASSWORD" },
        Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
    };

    private LegacyConnection OwnDatabase(string script) => Sandbox.Connection(script) with
    {
        DatabaseProvider = LegacyDatabaseProvider.Postgres,
        DatabaseConnectionString = _database!.ConnectionString,
        Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
    };

    private async Task CreateUsersTableAsync()
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, password_hash text NOT NULL)", connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Authing_MissingTableRewrapped_IsAScriptError_NotAnUnknownUser()
    {
        var ct = TestContext.Current.CancellationToken;

        var login = await _scripts.LoginAsync(Authing(), "ada@legacy.example", "pw", new ScriptContext(), ct);
        var user = await _scripts.GetUserAsync(Authing(), "ada@legacy.example", new ScriptContext(), ct);

        Assert.Contains("relation \"users\" does not exist", Sandbox.AssertFailed(login, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
        Assert.Contains("Execute query failed", Sandbox.AssertFailed(user, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authing_SameScriptWithTheTable_StillReadsUnknownUserAndWrongPassword()
    {
        // The control for the test above: the rule must not take away the verdicts of a run whose calls succeeded.
        await CreateUsersTableAsync();
        await using (var connection = new NpgsqlConnection(_database!.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var insert = new NpgsqlCommand("INSERT INTO users VALUES (7, 'ada@legacy.example', '$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC')", connection);
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var ct = TestContext.Current.CancellationToken;
        var unknown = await _scripts.LoginAsync(Authing(), "bob@legacy.example", "pw", new ScriptContext(), ct);
        var wrong = await _scripts.LoginAsync(Authing(), "ada@legacy.example", "pw", new ScriptContext(), ct);
        var found = await _scripts.LoginAsync(Authing(), "ada@legacy.example", "correct horse 9", new ScriptContext(), ct);

        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.Equal("7", Sandbox.AssertFound(found).Id);
    }

    [Fact]
    public async Task Authing_LegacyDatabaseRefusingOurCredentials_IsNotAWrongPassword()
    {
        var result = await _scripts.LoginAsync(Authing(password: "not-the-password"), "ada@legacy.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        var failed = Assert.IsType<ScriptOutcome.Failed>(result.Outcome);
        Assert.True(failed.Reason is ScriptFailureReason.ScriptError or ScriptFailureReason.LegacyUnavailable, failed.ToString());
        Assert.Contains("password authentication failed", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authing_NoServerListening_IsLegacyUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await _scripts.LoginAsync(Authing(port: closedPort, host: "127.0.0.1"), "ada@legacy.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.LegacyUnavailable);
    }

    [Fact]
    public async Task Native_SwallowedQueryError_ReturningNull_IsNotAnUnknownUser()
    {
        const string script = """
            async function getUser(email, context) {
              try {
                const rows = await db.query('SELECT * FROM users WHERE email = $1', [email]);
                return rows.length ? { id: String(rows[0].id), email: rows[0].email } : null;
              } catch (error) {
                return null;
              }
            }
            """;

        var result = await _scripts.GetUserAsync(OwnDatabase(script), "ada@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("does not exist", Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth0_WrongPasswordErrorAfterAFailedQuery_IsNotAWrongPassword()
    {
        const string script = """
            function login(email, password, callback) {
              db.query('SELECT * FROM users WHERE email = $1', [email]).then(function (rows) {
                callback(null, { user_id: rows[0].id, email: email });
              }, function () {
                callback(new WrongUsernameOrPasswordError(email));
              });
            }
            """;

        var result = await _scripts.LoginAsync(OwnDatabase(script), "ada@legacy.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
    }
}
