using System.Security.Cryptography;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Legacy;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// require('tedious') in the shapes of the SQL Server and ASP.NET Membership templates. No SQL Server can run on this
/// machine, so the shim is checked against a recording fake of the database adapter it sits on: what SQL, parameters
/// and connection string reach the adapter, and how its rows come back to the script.
/// </summary>
public sealed class TediousModuleTests
{
    private const string Email = "ada@legacy.example";
    private const string Password = "correct horse 9";

    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    private sealed class RecordingDatabases(Func<IReadOnlyList<object?>, IReadOnlyList<IReadOnlyDictionary<string, object?>>> answer) : ILegacyDatabaseFactory, ILegacyDatabase
    {
        public List<(LegacyDatabaseProvider Provider, string ConnectionString)> Opened { get; } = [];

        public List<(string Sql, IReadOnlyList<object?> Parameters)> Queries { get; } = [];

        public ILegacyDatabase Open(LegacyDatabaseProvider provider, string connectionString)
        {
            lock (Opened)
            {
                Opened.Add((provider, connectionString));
            }

            return this;
        }

        public Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
        {
            lock (Queries)
            {
                Queries.Add((sql, parameters));
            }

            return Task.FromResult(answer(parameters));
        }
    }

    // Columns in the order the query names them, as the adapter returns them.
    private static Dictionary<string, object?> Row(params (string Name, object? Value)[] columns) =>
        columns.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);

    private static LegacyConnection Connection(string script) => Sandbox.Connection(script) with
    {
        HttpAllowList = ["sql.legacy.example"],
        Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
    };

    private const string SqlServerLogin = """
        function login(email, password, callback) {
          const Connection = require('tedious').Connection;
          const Request = require('tedious').Request;
          const TYPES = require('tedious').TYPES;

          const connection = new Connection({
            userName: 'legacy_reader',
            password: 'reader-pw',
            server: 'sql.legacy.example',
            options: { database: 'Accounts', encrypt: true, rowCollectionOnRequestCompletion: true }
          });

          const query = 'SELECT Id, Nickname, Email, PasswordHash FROM dbo.Users WHERE Email = @Email';

          connection.on('connect', function (err) {
            if (err) return callback(err);

            const request = new Request(query, function (err, rowCount, rows) {
              if (err) return callback(err);
              if (rowCount < 1) return callback(null);

              bcrypt.compare(password, rows[0][3].value, function (err, isValid) {
                if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));
                callback(null, { user_id: rows[0][0].value.toString(), nickname: rows[0][1].value, email: rows[0][2].value });
              });
            });

            request.addParameter('Email', TYPES.VarChar, email);
            connection.execSql(request);
          });
        }
        """;

    [Fact]
    public async Task SqlServerTemplate_RightWrongUnknown_AndWhatReachesTheAdapter()
    {
        var databases = new RecordingDatabases(parameters => (string?)parameters[0] == Email
            ? [Row(("Id", 7d), ("Nickname", "countess"), ("Email", Email), ("PasswordHash", BcryptHash))]
            : []);
        var scripts = new LegacyUserScripts(databases);
        var ct = TestContext.Current.CancellationToken;

        var found = await scripts.LoginAsync(Connection(SqlServerLogin), Email, Password, new ScriptContext(), ct);
        var wrong = await scripts.LoginAsync(Connection(SqlServerLogin), Email, "correct horse 8", new ScriptContext(), ct);
        var unknown = await scripts.LoginAsync(Connection(SqlServerLogin), "bob@legacy.example", Password, new ScriptContext(), ct);

        var profile = Sandbox.AssertFound(found);
        Assert.Equal("7", profile.Id);
        Assert.Equal("countess", profile.Nickname);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);

        var (provider, connectionString) = databases.Opened[0];
        Assert.Equal(LegacyDatabaseProvider.SqlServer, provider);
        var builder = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString);
        Assert.Equal(("sql.legacy.example", "legacy_reader", "reader-pw", "Accounts"), (builder.DataSource, builder.UserID, builder.Password, builder.InitialCatalog));
        Assert.Equal("SELECT Id, Nickname, Email, PasswordHash FROM dbo.Users WHERE Email = @p0", databases.Queries[0].Sql);
        Assert.Equal([Email], databases.Queries[0].Parameters);
    }

    [Fact]
    public async Task SqlServerServerOffTheAllowList_IsRefusedBeforeTheAdapterIsAsked()
    {
        var databases = new RecordingDatabases(_ => []);

        var result = await new LegacyUserScripts(databases).LoginAsync(
            Connection(SqlServerLogin.Replace("sql.legacy.example", "10.1.2.3", StringComparison.Ordinal)), Email, Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("host '10.1.2.3' is neither", Assert.IsType<ScriptOutcome.Failed>(result.Outcome).Message, StringComparison.Ordinal);
        Assert.Empty(databases.Opened);
    }

    [Fact]
    public async Task SqlServerDown_IsLegacyUnavailable()
    {
        var databases = new RecordingDatabases(_ => throw new TimeoutException("no answer from sql.legacy.example"));

        var result = await new LegacyUserScripts(databases).LoginAsync(Connection(SqlServerLogin), Email, Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.LegacyUnavailable);
    }

    // In the shape of the ASP.NET Membership (MVC4, SimpleMembership) templates: the newer tedious API
    // (authentication options, connect(), rows by 'row' event, useColumnNames) and the hash checked the template's
    // way, with pbkdf2 and Buffers in the script.
    private const string MembershipLogin = """
        function login(email, password, callback) {
          const sqlserver = require('tedious@1.11.0');
          const connection = new sqlserver.Connection({
            server: 'sql.legacy.example',
            authentication: { type: 'default', options: { userName: 'membership', password: 'm-pw' } },
            options: { database: 'aspnet', port: 1433, useColumnNames: true }
          });

          connection.connect(function (err) {
            if (err) return callback(err);
            let user = null;
            const request = new sqlserver.Request(
              'SELECT m.UserId, p.UserName, m.Password FROM webpages_Membership m JOIN UserProfile p ON p.UserId = m.UserId WHERE p.UserName = @UserName',
              function (err, rowCount) {
                if (err) return callback(err);
                if (!user) return callback(null);
                validatePassword(password, user.hash, function (err, isValid) {
                  if (err) return callback(err);
                  if (!isValid) return callback(new WrongUsernameOrPasswordError(email));
                  callback(null, { user_id: String(user.id), email: user.name });
                });
              });
            request.addParameter('UserName', sqlserver.TYPES.NVarChar, email);
            request.on('row', function (columns) {
              user = { id: columns.UserId.value, name: columns.UserName.value, hash: columns.Password.value };
            });
            connection.execSql(request);
          });

          // Crypto.HashPassword: base64 of 0x00, a 16-byte salt and 32 bytes of PBKDF2-HMAC-SHA1 over 1000 iterations.
          function validatePassword(password, stored, done) {
            const bytes = new Buffer(stored, 'base64');
            if (bytes.length !== 49 || bytes[0] !== 0) return done(null, false);
            const salt = new Buffer(16);
            bytes.copy(salt, 0, 1, 17);
            const expected = bytes.slice(17, 49);
            crypto.pbkdf2(password, salt, 1000, 32, function (err, derived) {
              if (err) return done(err);
              done(null, new Buffer(derived, 'binary').toString('base64') === expected.toString('base64'));
            });
          }
        }
        """;

    [Fact]
    public async Task MembershipTemplate_VerifiesTheHashTheTemplatesWay()
    {
        // The stored hash made by .NET's own PBKDF2, as System.Web.Helpers.Crypto.HashPassword lays it out.
        var salt = RandomNumberGenerator.GetBytes(16);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Password, salt, 1000, HashAlgorithmName.SHA1, 32);
        var stored = Convert.ToBase64String([0, .. salt, .. subkey]);
        var databases = new RecordingDatabases(parameters => (string?)parameters[0] == Email
            ? [Row(("UserId", 7d), ("UserName", Email), ("Password", stored))]
            : []);
        var scripts = new LegacyUserScripts(databases);
        var ct = TestContext.Current.CancellationToken;

        var found = await scripts.LoginAsync(Connection(MembershipLogin), Email, Password, new ScriptContext(), ct);
        var wrong = await scripts.LoginAsync(Connection(MembershipLogin), Email, "correct horse 8", new ScriptContext(), ct);
        var unknown = await scripts.LoginAsync(Connection(MembershipLogin), "bob@legacy.example", Password, new ScriptContext(), ct);

        Assert.Equal("7", Sandbox.AssertFound(found).Id);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
        var builder = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(databases.Opened[0].ConnectionString);
        Assert.Equal(("sql.legacy.example,1433", "membership", "aspnet"), (builder.DataSource, builder.UserID, builder.InitialCatalog));
        Assert.EndsWith("WHERE p.UserName = @p0", databases.Queries[0].Sql, StringComparison.Ordinal);
    }
}
