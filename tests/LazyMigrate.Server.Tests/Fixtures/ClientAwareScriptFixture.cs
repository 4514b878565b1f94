namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>The <c>legacy</c> connection's login script records the <c>context.clientId</c> it was given in the profile.</summary>
public sealed class ClientAwareScriptFixture : LegacyServerFixture
{
    private readonly string _scripts = Directory.CreateTempSubdirectory("lazymigrate-client-").FullName;

    protected override string? FirstLoginScript()
    {
        var path = Path.Combine(_scripts, "login.js");
        File.WriteAllText(path, """
            async function login(email, password, context) {
              const rows = await db.query('SELECT id, email, password_hash FROM users WHERE lower(email) = lower($1)', [email]);
              if (rows.length === 0) {
                return null;
              }
              if (!(await crypto.verifyPassword(password, rows[0].password_hash, 'bcrypt'))) {
                throw new WrongUsernameOrPasswordError(email);
              }
              return { id: String(rows[0].id), email: rows[0].email, emailVerified: true, userMetadata: { signedInThrough: context.clientId } };
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
