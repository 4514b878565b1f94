namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// Two legacy pools of one company: <c>legacy</c> first, then <c>second</c>, each with its own legacy database and the
/// demo's scripts. Linking and reset retries wait a fraction of a second, so tests of an outage end quickly.
/// </summary>
public class LegacyPoolsFixture : ManagementApiFixture
{
    public LegacyDatabase Second { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Second = await LegacyDatabase.CreateAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in ConnectionSettings(1, "second", Second.ConnectionString, TimeSpan.FromSeconds(30), SecondLoginScript()))
        {
            settings[key] = value;
        }

        settings["LazyMigrate:IdentityLinking:PollInterval"] = "00:00:00.200";
        settings["LazyMigrate:IdentityLinking:RetryDelay"] = "00:00:00.200";
        settings["LazyMigrate:PasswordReset:RetryDelay"] = "00:00:00.200";
    }

    protected virtual string? SecondLoginScript() => null;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Second.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// The first pool runs an Auth0-style login script (callback API) that, like Auth0's templates, answers
/// <c>WrongUsernameOrPasswordError</c> for unknown users as well as for wrong passwords.
/// </summary>
public sealed class Auth0FirstPoolFixture : LegacyPoolsFixture
{
    private readonly string _scripts = Directory.CreateTempSubdirectory("lazymigrate-auth0-").FullName;

    protected override string? FirstLoginScript()
    {
        var path = Path.Combine(_scripts, "login.js");
        File.WriteAllText(path, """
            function login(email, password, callback) {
              db.query('SELECT id, email, username, first_name, last_name, email_verified, password_hash FROM users WHERE lower(email) = lower($1)', [email])
                .then(function (rows) {
                  if (rows.length === 0) {
                    return callback(new WrongUsernameOrPasswordError(email));
                  }
                  return crypto.verifyPassword(password, rows[0].password_hash, 'bcrypt').then(function (valid) {
                    if (!valid) {
                      return callback(new WrongUsernameOrPasswordError(email));
                    }
                    var user = rows[0];
                    callback(null, { user_id: String(user.id), email: user.email, email_verified: user.email_verified, username: user.username,
                      given_name: user.first_name, family_name: user.last_name });
                  });
                })
                .catch(function (err) { callback(err); });
            }
            """);
        return path;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_scripts, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Hundreds of hashes at once on a small machine: the lowest native hash cost the configuration accepts, and script
/// deadlines long enough for the burst to get through the CPU. What is tested is that one user comes out of the race.
/// </summary>
public sealed class BusyLegacyPoolsFixture : LegacyPoolsFixture
{
    protected override TimeSpan Timeout => TimeSpan.FromMinutes(2);

    protected override string LegacyConnectionString(LegacyDatabase legacy) => BusyLegacyServerFixture.Patient(legacy);

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["LazyMigrate:Connections:1:Timeout"] = "00:02:00";
        settings["LazyMigrate:Connections:1:Database:ConnectionString"] = BusyLegacyServerFixture.Patient(Second);
        settings["LazyMigrate:PasswordHashIterations"] = "100000";
        settings["LazyMigrate:Sandbox:MaxWorkers"] = "8";
    }
}

/// <summary>The legacy database is unreachable (nothing listens on its port); resets are retried quickly.</summary>
public sealed class DeadLegacyApiFixture : ManagementApiFixture
{
    protected override string LegacyConnectionString(LegacyDatabase legacy) =>
        new Npgsql.NpgsqlConnectionStringBuilder(legacy.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;

    protected override void ConfigureSettings(Dictionary<string, string?> settings) =>
        settings["LazyMigrate:PasswordReset:RetryDelay"] = "00:00:00.200";
}
