namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The <c>legacy</c> connection's login script returns the user's second factors from two columns the fixture adds:
/// <c>totp_secret</c> and <c>mfa_shape</c> (<c>ours</c>: <c>mfa: { totpSecret, phoneNumber }</c>; <c>auth0</c>:
/// Auth0's <c>mfa_factors</c> array).
/// </summary>
public class LegacyMfaFixture : LegacyServerFixture
{
    private readonly string _scripts = Directory.CreateTempSubdirectory("lazymigrate-mfa-").FullName;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Legacy.ExecuteAsync("ALTER TABLE users ADD COLUMN totp_secret text, ADD COLUMN mfa_shape text NOT NULL DEFAULT 'ours'");
    }

    /// <summary>A legacy user whose authenticator has <paramref name="secret"/>, returned in the <paramref name="shape"/> given.</summary>
    public async Task<LegacyUser> AddUserWithAuthenticatorAsync(string password, string secret, string shape = "ours")
    {
        var user = await Legacy.AddUserAsync(password);
        await Legacy.ExecuteAsync("UPDATE users SET totp_secret = @secret, mfa_shape = @shape, phone = '+12025550199' WHERE email = @email",
            ("secret", secret), ("shape", shape), ("email", user.Email));
        return user;
    }

    protected override string? FirstLoginScript()
    {
        var path = Path.Combine(_scripts, "login.js");
        File.WriteAllText(path, LoginScript());
        return path;
    }

    /// <summary>The login script's source; this one in the native style.</summary>
    protected virtual string LoginScript() => """
            async function login(email, password, context) {
              const rows = await db.query('SELECT id, email, phone, password_hash, totp_secret, mfa_shape FROM users WHERE lower(email) = lower($1)', [email]);
              if (rows.length === 0) {
                return null;
              }
              const user = rows[0];
              if (!(await crypto.verifyPassword(password, user.password_hash, 'bcrypt'))) {
                throw new WrongUsernameOrPasswordError(email);
              }
              const profile = { id: String(user.id), email: user.email, emailVerified: true };
              if (user.totp_secret !== null && user.mfa_shape === 'auth0') {
                profile.mfa_factors = [{ totp: { secret: user.totp_secret } }, { phone: { value: user.phone } }];
              } else if (user.totp_secret !== null) {
                profile.mfa = { totpSecret: user.totp_secret, phoneNumber: user.phone };
              }
              return profile;
            }
            """;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_scripts, recursive: true);
        GC.SuppressFinalize(this);
    }
}
