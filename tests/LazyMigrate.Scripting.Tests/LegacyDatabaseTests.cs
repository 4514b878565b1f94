using LazyMigrate.Scripting;
using LazyMigrate.Testing;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// The same login/getUser logic in every style against real legacy databases: PostgreSQL and MariaDB (started by
/// test.sh) and SQLite. Each class creates its own database with one bcrypt user.
/// </summary>
public abstract class LegacyDatabaseTests : IAsyncLifetime
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    protected const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";
    protected const string Password = "correct horse 9";

    protected LegacyUserScripts Scripts { get; } = new();

    protected abstract LegacyDatabaseProvider Provider { get; }

    protected string ConnectionString { get; set; } = "";

    /// <summary>SQL selecting a user by email with the provider's placeholder.</summary>
    protected abstract string ByEmail { get; }

    /// <summary>How the row's TIMESTAMP reaches a script: ISO 8601, except SQLite which keeps the text it stored.</summary>
    protected virtual string ExpectedTimestampStart => "2009-03-14T09:12:00";

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    protected static string CreateTableSql(string idType) => $"""
        CREATE TABLE users (id {idType} PRIMARY KEY, email VARCHAR(200) NOT NULL, username VARCHAR(100), password_hash VARCHAR(200) NOT NULL,
          given_name VARCHAR(100), family_name VARCHAR(100), email_verified BOOLEAN NOT NULL, nickname VARCHAR(100), created_at TIMESTAMP NOT NULL);
        INSERT INTO users VALUES (7, 'ada@legacy.example', 'ada', '{BcryptHash}', 'Ada', 'Lovelace', TRUE, 'countess', '2009-03-14 09:12:00');
        """;

    protected LegacyConnection Connection(string script) => new()
    {
        Name = "db-" + Guid.NewGuid().ToString("N"),
        DatabaseProvider = Provider,
        DatabaseConnectionString = ConnectionString,
        LoginScript = script,
        GetUserScript = script,
        CountUsersScript = script,
        Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
    };

    private string Native => $$"""
        async function login(email, password, context) {
          const rows = await db.query('{{ByEmail}}', [email]);
          if (rows.length === 0) return null;
          if (!(await crypto.verifyPassword(password, rows[0].password_hash))) throw new WrongUsernameOrPasswordError(email);
          return { id: rows[0].id, email: rows[0].email, givenName: rows[0].given_name, emailVerified: rows[0].email_verified, since: rows[0].created_at };
        }
        async function getUser(email, context) {
          const rows = await db.query('{{ByEmail}}', [email]);
          return rows.length === 0 ? null : { id: rows[0].id, email: rows[0].email, givenName: rows[0].given_name };
        }
        async function countUsers(context) {
          const rows = await db.query('SELECT COUNT(*) AS n FROM users', []);
          return Number(rows[0].n);
        }
        """;

    private string Auth0 => $$"""
        function login(email, password, callback) {
          const bcrypt = require('bcrypt');
          db.query('{{ByEmail}}', [email]).then(function (rows) {
            if (rows.length === 0) return callback(new WrongUsernameOrPasswordError(email));
            bcrypt.compare(password, rows[0].password_hash, function (err, isValid) {
              if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
              callback(null, { user_id: rows[0].id, email: rows[0].email, given_name: rows[0].given_name, nickname: rows[0].nickname });
            });
          }, callback);
        }
        function getByEmail(email, callback) {
          db.query('{{ByEmail}}', [email]).then(function (rows) {
            if (rows.length === 0) return callback(null);
            callback(null, { user_id: rows[0].id, email: rows[0].email, given_name: rows[0].given_name });
          }, callback);
        }
        """;

    private string Authing => $$"""
        async function login(query, password, context) {
          const rows = await db.query('{{ByEmail}}', [query.email]);
          if (rows.length === 0) throw new Error('User not exists!');
          const ok = await crypto.verifyPassword(password, rows[0].password_hash, 'bcrypt');
          if (!ok) throw new Error('Password is incorrect!');
          return { id: rows[0].id, email: rows[0].email, givenName: rows[0].given_name, photo: 'https://legacy.example/p.png' };
        }
        async function getUser(query, context) {
          const rows = await db.query('{{ByEmail}}', [query.email]);
          if (rows.length === 0) throw new Error('User not exists!');
          return { id: rows[0].id, email: rows[0].email, givenName: rows[0].given_name };
        }
        """;

    public static TheoryData<string> Styles => ["native", "auth0", "authing"];

    private string Script(string style) => style switch
    {
        "native" => Native,
        "auth0" => Auth0,
        _ => Authing,
    };

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Login_RightPassword_ReturnsTheNormalisedProfile(string style)
    {
        var result = await Scripts.LoginAsync(Connection(Script(style)), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);

        var profile = Sandbox.AssertFound(result);
        Assert.Equal("7", profile.Id);
        Assert.Equal("ada@legacy.example", profile.Email);
        Assert.Equal("Ada", profile.GivenName);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Login_WrongPassword_IsWrongPassword(string style)
    {
        var result = await Scripts.LoginAsync(Connection(Script(style)), "ada@legacy.example", "correct horse 8", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.IsType<ScriptOutcome.WrongPassword>(result.Outcome);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task GetUser_KnownAndUnknown(string style)
    {
        var known = await Scripts.GetUserAsync(Connection(Script(style)), "ada@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);
        var unknown = await Scripts.GetUserAsync(Connection(Script(style)), "nobody@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal("7", Sandbox.AssertFound(known).Id);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
    }

    [Fact]
    public async Task Native_RowsHaveJsFriendlyTypes_AndCountUsersCounts()
    {
        var login = await Scripts.LoginAsync(Connection(Native), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var count = await Scripts.CountUsersAsync(Connection(Native), new ScriptContext(), TestContext.Current.CancellationToken);

        var profile = Sandbox.AssertFound(login);
        Assert.True(profile.EmailVerified);
        Assert.StartsWith(ExpectedTimestampStart, profile.UserMetadata!["since"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, Assert.IsType<ScriptOutcome.Counted>(count.Outcome).Users);
    }

    [Fact]
    public async Task ShippedTemplate_RunsUnchanged()
    {
        var connection = Connection(ScriptTemplates.For(Provider));

        var found = await Scripts.LoginAsync(connection, "ADA@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var wrong = await Scripts.LoginAsync(connection, "ada@legacy.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);
        var user = await Scripts.GetUserAsync(connection, "ada@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal("Lovelace", Sandbox.AssertFound(found).FamilyName);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.True(Sandbox.AssertFound(user).EmailVerified);
    }

    [Fact]
    public async Task ShippedTemplate_ListUsers_PagesByKeysetOnTheId_WithTheHashes()
    {
        await ExecuteAsync("""
            INSERT INTO users VALUES (9, 'b@legacy.example', 'b', 'none', 'B', 'B', FALSE, NULL, '2010-01-01 00:00:00');
            INSERT INTO users VALUES (8, 'a@legacy.example', 'a', 'none', 'A', 'A', TRUE, NULL, '2010-01-01 00:00:00');
            INSERT INTO users VALUES (11, 'd@legacy.example', 'd', 'none', 'D', 'D', TRUE, NULL, '2010-01-01 00:00:00');
            INSERT INTO users VALUES (10, 'c@legacy.example', 'c', 'none', 'C', 'C', TRUE, NULL, '2010-01-01 00:00:00');
            """);
        var connection = Connection(ScriptTemplates.For(Provider)) with { ListUsersScript = ScriptTemplates.For(Provider) };
        var pages = new List<ScriptOutcome.Listed>();
        string? cursor = null;
        do
        {
            var result = await Scripts.ListUsersAsync(connection, cursor, 2, new ScriptContext(), TestContext.Current.CancellationToken);
            var page = Assert.IsType<ScriptOutcome.Listed>(result.Outcome);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal([["7", "8"], ["9", "10"], ["11"]], pages.Select(p => p.Users.Select(u => u.LegacyId).ToArray()));
        Assert.Equal(["8", "10", null], pages.Select(p => p.NextCursor));
        var ada = pages[0].Users[0];
        Assert.Equal("Lovelace", ada.Profile!.FamilyName);
        Assert.True(LazyMigrate.Scripting.Crypto.LegacyPasswordVerifier.Verify(Password, ada.PasswordHash!));
        // 'none' is no hash format: refused with the reason, never guessed.
        Assert.Equal("InvalidHash", pages[1].Users[0].Refusal!.Reason);
    }

    protected abstract Task ExecuteAsync(string sql);

    [Fact]
    public async Task BadSql_IsAScriptError_WithTheDatabaseMessageOnly()
    {
        var result = await Scripts.GetUserAsync(Connection("async function getUser(e) { return (await db.query('SELECT * FROM no_such_table', []))[0]; }"), "a@b.example", new ScriptContext(), TestContext.Current.CancellationToken);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
        Assert.Contains("database error", failed.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_table", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Native_ValuesAreBoundAsParameters_NotSplicedIntoSql()
    {
        var result = await Scripts.GetUserAsync(Connection(Native), "' OR '1'='1", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.IsType<ScriptOutcome.UnknownUser>(result.Outcome);
    }
}

public sealed class PostgresLegacyDatabaseTests : LegacyDatabaseTests
{
    private TestDatabase? _database;

    protected override LegacyDatabaseProvider Provider => LegacyDatabaseProvider.Postgres;

    protected override string ByEmail => "SELECT * FROM users WHERE lower(email) = lower($1)";

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("legacy");
        ConnectionString = _database.ConnectionString;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(CreateTableSql("integer"), connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Auth0PostgresTemplate_RunsWithOnlyTheConnectionDetailsChanged()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var conString = $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password ?? "")}@{builder.Host}:{builder.Port}/{builder.Database}";
        // Auth0's published PostgreSQL login template, verbatim but for conString (and the column names of this table).
        var template = """
            function login(email, password, callback) {
              //this example uses the "pg" library
              //more info here: https://github.com/brianc/node-postgres

              const bcrypt = require('bcrypt');
              const postgres = require('pg');

              const conString = 'CONSTRING';
              postgres.connect(conString, function (err, client, done) {
                if (err) return callback(err);

                const query = 'SELECT id, nickname, email, password_hash AS password FROM users WHERE email = $1';
                client.query(query, [email], function (err, result) {
                  // NOTE: always call `done()` here to close
                  // the connection to the database
                  done();

                  if (err || result.rows.length === 0) return callback(err || new WrongUsernameOrPasswordError(email));

                  const user = result.rows[0];

                  bcrypt.compare(password, user.password, function (err, isValid) {
                    if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));

                    return callback(null, {
                      user_id: user.id,
                      nickname: user.nickname,
                      email: user.email
                    });
                  });
                });
              });
            }
            """.Replace("CONSTRING", conString, StringComparison.Ordinal);

        var found = await Scripts.LoginAsync(Connection(template), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var wrong = await Scripts.LoginAsync(Connection(template), "ada@legacy.example", "nope", new ScriptContext(), TestContext.Current.CancellationToken);
        var elsewhere = await Scripts.LoginAsync(
            Connection(template.Replace($"@{builder.Host}:", "@10.255.255.1:", StringComparison.Ordinal)), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);

        var profile = Sandbox.AssertFound(found);
        Assert.Equal("7", profile.Id);
        Assert.Equal("countess", profile.Nickname);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        var refused = Assert.IsType<ScriptOutcome.Failed>(elsewhere.Outcome);
        Assert.Contains("host '10.255.255.1' is neither", refused.Message, StringComparison.Ordinal);
        Assert.True(elsewhere.Duration < TimeSpan.FromSeconds(1), "refused before any connection attempt");
    }

    [Fact]
    public async Task Auth0OldestPostgresTemplate_UsesTheGlobals_AndAServerThatIsDownIsLegacyUnavailable()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        string Script(int port) => $$"""
            function login(email, password, callback) {
              postgres('postgres://{{Uri.EscapeDataString(builder.Username!)}}:{{Uri.EscapeDataString(builder.Password ?? "")}}@127.0.0.1:{{port}}/{{builder.Database}}', function (err, client, done) {
                if (err) return callback(err);
                client.query('SELECT id, email, password_hash FROM users WHERE email = $1', [email], function (err, result) {
                  done();
                  if (err) return callback(err);
                  if (result.rows.length === 0) return callback(null);
                  bcrypt.compare(password, result.rows[0].password_hash, function (err, isValid) {
                    if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
                    callback(null, { user_id: result.rows[0].id, email: result.rows[0].email });
                  });
                });
              });
            }
            """;
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        LegacyConnection On(int port) => Connection(Script(port)) with { HttpAllowList = [$"127.0.0.1:{port}"] };
        var ct = TestContext.Current.CancellationToken;

        var found = await Scripts.LoginAsync(On(builder.Port), "ada@legacy.example", Password, new ScriptContext(), ct);
        var wrong = await Scripts.LoginAsync(On(builder.Port), "ada@legacy.example", "nope", new ScriptContext(), ct);
        var unknown = await Scripts.LoginAsync(On(builder.Port), "bob@legacy.example", Password, new ScriptContext(), ct);
        var down = await Scripts.LoginAsync(On(closedPort), "ada@legacy.example", Password, new ScriptContext(), ct);

        Assert.Equal("7", Sandbox.AssertFound(found).Id);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
        Sandbox.AssertFailed(down, ScriptFailureReason.LegacyUnavailable);
    }

    [Fact]
    public async Task AuthingPostgresTemplate_PromiseApi_Runs()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var script = $$"""
            async function login(query, password, context) {
              const { Client } = require('pg');
              const client = new Client({ host: env.DB_HOST, port: env.DB_PORT, user: env.DB_USERNAME, password: env.DB_PASSWORD, database: env.DB_DATABASE });
              await client.connect();
              const res = await client.query('SELECT * FROM users WHERE email = $1', [query.email]);
              await client.end();
              if (res.rows.length === 0) throw new Error('User not exists!');
              const user = res.rows[0];
              const bcrypt = require('bcrypt');
              if (!(await bcrypt.compare(password, user.password_hash))) throw new Error('Password is incorrect!');
              return { id: user.id, email: user.email };
            }
            """;

        // Authing's templates read their connection from env.DB_*; here the connection has no database of its own.
        var connection = Connection(script) with
        {
            DatabaseProvider = LegacyDatabaseProvider.None,
            DatabaseConnectionString = null,
            // Not the connection's own database, and not the standard port: the allow-list names the port.
            HttpAllowList = [$"{builder.Host}:{builder.Port}"],
            Settings = new Dictionary<string, string>
            {
                ["DB_HOST"] = builder.Host!, ["DB_PORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DB_USERNAME"] = builder.Username!, ["DB_PASSWORD"] = builder.Password ?? "", ["DB_DATABASE"] = builder.Database!,
            },
            SecretSettings = new HashSet<string> { "DB_PASSWORD" },
        };

        var found = await Scripts.LoginAsync(connection, "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var unknown = await Scripts.LoginAsync(connection, "nobody@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var wrong = await Scripts.LoginAsync(connection, "ada@legacy.example", "nope", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal("7", Sandbox.AssertFound(found).Id);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
    }

    [Fact]
    public async Task HangingLegacyQuery_IsStoppedAtTheDeadline_AsTimeout()
    {
        // Long enough that the query is surely sent before the deadline on a loaded machine (so it is the legacy system
        // that is waited for), far shorter than the sleep.
        var connection = Connection("async function login() { await db.query('SELECT pg_sleep(30)', []); return null; }") with
        {
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
        };

        var (result, _) = await Sandbox.TimedLoginAsync(Scripts, connection);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.Timeout);
        Assert.Contains("legacy system did not answer", failed.Message, StringComparison.Ordinal);

        var next = await Scripts.GetUserAsync(Connection(ScriptTemplates.Get("postgres")), "ada@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);
        Assert.Equal("7", Sandbox.AssertFound(next).Id);
    }

    [Fact]
    public async Task Rows_UseJsFriendlyTypes()
    {
        const string script = """
            async function getUser(email) {
              const rows = await db.query(
                "SELECT 9007199254740993::bigint AS big, 42::bigint AS small, 12.5::numeric AS price, '\\xdeadbeef'::bytea AS bytes, TIMESTAMPTZ '2020-01-02 03:04:05+00' AS at, DATE '2020-01-02' AS day, ARRAY['a','b'] AS tags, NULL AS nothing",
                []);
              const r = rows[0];
              return { id: '1', value: [r.big, r.small, r.price, r.bytes, r.at, r.day, r.tags, r.nothing] };
            }
            """;

        var result = await Scripts.GetUserAsync(Connection(script), "a@b.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal(
            "[\"9007199254740993\",42,12.5,\"deadbeef\",\"2020-01-02T03:04:05Z\",\"2020-01-02\",[\"a\",\"b\"],null]",
            Sandbox.AssertFound(result).UserMetadata!["value"]!.ToJsonString());
    }

    [Fact]
    public async Task Auth0PostgresGetUserTemplate_Runs()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var conString = $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password ?? "")}@{builder.Host}:{builder.Port}/{builder.Database}";
        // Auth0's published PostgreSQL "get user" template (its function is named loginByEmail), but for conString.
        var template = """
            function loginByEmail(email, callback) {
              //this example uses the "pg" library
              //more info here: https://github.com/brianc/node-postgres

              const postgres = require('pg');

              const conString = 'CONSTRING';
              postgres.connect(conString, function (err, client, done) {
                if (err) return callback(err);

                const query = 'SELECT id, nickname, email FROM users WHERE email = $1';
                client.query(query, [email], function (err, result) {
                  // NOTE: always call `done()` here to close
                  // the connection to the database
                  done();

                  if (err || result.rows.length === 0) return callback(err);

                  const user = result.rows[0];

                  return callback(null, {
                    user_id: user.id,
                    nickname: user.nickname,
                    email: user.email
                  });
                });
              });
            }
            """.Replace("CONSTRING", conString, StringComparison.Ordinal);

        var found = await Scripts.GetUserAsync(Connection(template), "ada@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);
        var unknown = await Scripts.GetUserAsync(Connection(template), "nobody@legacy.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal("countess", Sandbox.AssertFound(found).Nickname);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
    }

}

public sealed class MariaDbLegacyDatabaseTests : LegacyDatabaseTests
{
    private string _name = "";

    protected override LegacyDatabaseProvider Provider => LegacyDatabaseProvider.MySql;

    protected override string ByEmail => "SELECT * FROM users WHERE email = ?";

    public override async ValueTask InitializeAsync()
    {
        _name = "legacy_" + Guid.NewGuid().ToString("N");
        await using (var server = new MySqlConnection(MariaDbServer.ConnectionString))
        {
            await server.OpenAsync();
            await using var create = new MySqlCommand($"CREATE DATABASE `{_name}`", server);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new MySqlConnectionStringBuilder(MariaDbServer.ConnectionString) { Database = _name }.ConnectionString;
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(CreateTableSql("INT"), connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await using var server = new MySqlConnection(MariaDbServer.ConnectionString);
        await server.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{_name}`", server);
        await drop.ExecuteNonQueryAsync();
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Auth0MySqlTemplate_RunsWithOnlyTheConnectionDetailsChanged()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        // Auth0's published MySQL login template, verbatim but for the connection details (and this table's columns).
        var template = $$"""
            function login(email, password, callback) {
              const mysql = require('mysql');
              const bcrypt = require('bcrypt');

              const connection = mysql({
                host: '{{builder.Server}}',
                port: {{builder.Port}},
                user: '{{builder.UserID}}',
                password: '{{builder.Password}}',
                database: '{{builder.Database}}'
              });

              connection.connect();

              const query = 'SELECT id, nickname, email, password_hash AS password FROM users WHERE email = ?';

              connection.query(query, [ email ], function(err, results) {
                if (err) return callback(err);
                if (results.length === 0) return callback(new WrongUsernameOrPasswordError(email));
                const user = results[0];

                bcrypt.compare(password, user.password, function(err, isValid) {
                  if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));

                  callback(null, {
                    user_id: user.id.toString(),
                    nickname: user.nickname,
                    email: user.email
                  });
                });
              });
            }
            """;

        var found = await Scripts.LoginAsync(Connection(template), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        var wrong = await Scripts.LoginAsync(Connection(template), "ada@legacy.example", "nope", new ScriptContext(), TestContext.Current.CancellationToken);
        var elsewhere = await Scripts.LoginAsync(
            Connection(template.Replace($"host: '{builder.Server}'", "host: 'db.internal.example'", StringComparison.Ordinal)), "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Equal("7", Sandbox.AssertFound(found).Id);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.Contains("host 'db.internal.example' is neither", Assert.IsType<ScriptOutcome.Failed>(elsewhere.Outcome).Message, StringComparison.Ordinal);

        // The same template while the legacy server is down (nothing listens on the port): not a wrong password.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var down = await Scripts.LoginAsync(
            Connection(template.Replace($"host: '{builder.Server}'", "host: '127.0.0.1'", StringComparison.Ordinal).Replace($"port: {builder.Port}", $"port: {closedPort}", StringComparison.Ordinal)) with { HttpAllowList = [$"127.0.0.1:{closedPort}"] },
            "ada@legacy.example", Password, new ScriptContext(), TestContext.Current.CancellationToken);
        Sandbox.AssertFailed(down, ScriptFailureReason.LegacyUnavailable);
    }
}

public sealed class SqliteLegacyDatabaseTests : LegacyDatabaseTests
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "legacy-" + Guid.NewGuid().ToString("N") + ".db");

    protected override LegacyDatabaseProvider Provider => LegacyDatabaseProvider.Sqlite;

    protected override string ByEmail => "SELECT * FROM users WHERE email = ? COLLATE NOCASE";

    protected override string ExpectedTimestampStart => "2009-03-14 09:12:00";

    public override async ValueTask InitializeAsync()
    {
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = _path }.ConnectionString;
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = CreateTableSql("INTEGER");
        await command.ExecuteNonQueryAsync();
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
