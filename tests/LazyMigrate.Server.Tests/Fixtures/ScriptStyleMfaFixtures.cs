using Npgsql;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The <c>legacy</c> connection runs Auth0's published PostgreSQL login template (<c>require('pg')</c>,
/// <c>bcrypt.compare</c>, <c>callback(null, profile)</c>), extended as an Auth0 customer would to return the user's
/// authenticator in Auth0's <c>mfa_factors</c> shape.
/// </summary>
public sealed class Auth0StyleMfaFixture : LegacyMfaFixture
{
    protected override string LoginScript()
    {
        var builder = new NpgsqlConnectionStringBuilder(Legacy.ConnectionString);
        var conString = $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password ?? "")}@{builder.Host}:{builder.Port}/{builder.Database}";
        return """
            function login(email, password, callback) {
              //this example uses the "pg" library
              //more info here: https://github.com/brianc/node-postgres

              const bcrypt = require('bcrypt');
              const postgres = require('pg');

              const conString = 'CONSTRING';
              postgres.connect(conString, function (err, client, done) {
                if (err) return callback(err);

                const query = 'SELECT id, email, password_hash, totp_secret, phone FROM users WHERE email = $1';
                client.query(query, [email], function (err, result) {
                  // NOTE: always call `done()` here to close
                  // the connection to the database
                  done();

                  if (err || result.rows.length === 0) return callback(err || new WrongUsernameOrPasswordError(email));

                  const user = result.rows[0];

                  bcrypt.compare(password, user.password_hash, function (err, isValid) {
                    if (err || !isValid) return callback(err || new WrongUsernameOrPasswordError(email));

                    const profile = { user_id: user.id, email: user.email, email_verified: true };
                    if (user.totp_secret) {
                      profile.mfa_factors = [{ totp: { secret: user.totp_secret } }, { phone: { value: user.phone } }];
                    }
                    return callback(null, profile);
                  });
                });
              });
            }
            """.Replace("CONSTRING", conString, StringComparison.Ordinal);
    }
}

/// <summary>
/// The <c>legacy</c> connection runs an Authing-style login script: <c>login(query, password, context)</c>, the
/// database reached through <c>require('pg')</c> with the connection's <c>env.DB_*</c> settings, thrown errors, and the
/// authenticator returned as <c>mfa: { totpSecret, phoneNumber }</c>.
/// </summary>
public sealed class AuthingStyleMfaFixture : LegacyMfaFixture
{
    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        var builder = new NpgsqlConnectionStringBuilder(Legacy.ConnectionString);
        const string prefix = "LazyMigrate:Connections:0:Settings:";
        settings[prefix + "DB_HOST"] = builder.Host;
        settings[prefix + "DB_PORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[prefix + "DB_USERNAME"] = builder.Username;
        settings[prefix + "DB_PASSWORD"] = builder.Password ?? "";
        settings[prefix + "DB_DATABASE"] = builder.Database;
    }

    protected override string LoginScript() => """
        async function login(query, password, context) {
          const { Client } = require('pg');
          const client = new Client({ host: env.DB_HOST, port: env.DB_PORT, user: env.DB_USERNAME, password: env.DB_PASSWORD, database: env.DB_DATABASE });
          await client.connect();
          const res = await client.query('SELECT id, email, password_hash, totp_secret, phone FROM users WHERE email = $1', [query.email]);
          await client.end();
          if (res.rows.length === 0) throw new Error('User not exists!');
          const user = res.rows[0];
          const bcrypt = require('bcrypt');
          if (!(await bcrypt.compare(password, user.password_hash))) throw new Error('Password is incorrect!');
          const profile = { id: user.id, email: user.email, emailVerified: true };
          if (user.totp_secret) {
            profile.mfa = { totpSecret: user.totp_secret, phoneNumber: user.phone };
          }
          return profile;
        }
        """;
}
