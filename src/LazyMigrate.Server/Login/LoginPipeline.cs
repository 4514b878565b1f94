using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Login;

/// <summary>How a login attempt ended. The login page maps each to what the person sees.</summary>
public abstract record LoginResult
{
    private LoginResult()
    {
    }

    public sealed record SignedIn(User User) : LoginResult;

    /// <summary>Unknown user or wrong password: deliberately one outcome, so the page cannot tell them apart.</summary>
    public sealed record InvalidCredentials : LoginResult;

    /// <summary>An administrator blocked the account; shown like <see cref="InvalidCredentials"/> so it does not confirm the account exists.</summary>
    public sealed record LockedOut : LoginResult;

    /// <summary>We could not decide (e.g. a legacy system is down): "try again later", never "wrong password".</summary>
    public sealed record Unavailable : LoginResult;

    /// <summary>Too many recent failures from this address (for this account): wait before trying again.</summary>
    public sealed record Throttled(DateTimeOffset Until) : LoginResult;
}

/// <summary>
/// The one sign-in path of the login page: find the user in our store and verify the native hash (upgrading it when
/// weaker than the current policy); when our store has no such user, ask each Importing legacy connection in order
/// and import the user the first one accepts. Then record the login and issue the session cookie.
/// </summary>
public sealed class LoginPipeline(
    UserManager<User> users,
    SignInManager<User> signIn,
    IPasswordHasher<User> hasher,
    LegacyConnectionCatalog connections,
    ILegacyUserScripts scripts,
    UserImporter importer,
    LoginThrottle throttle,
    LazyMigrateDbContext db,
    AuditTrail audit,
    IHttpContextAccessor http,
    TimeProvider time,
    ILogger<LoginPipeline> logger)
{
    // A hash at the configured cost, verified for unknown users so they take as long as known ones (no user
    // enumeration by timing). Computed once per process; a benign race may compute it twice.
    private static string? _unknownUserHash;

    public async Task<LoginResult> SignInAsync(string identifier, string password, CancellationToken cancellationToken = default)
    {
        var ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
        // Before any hash or script: a throttled attempt costs us one indexed read and the legacy system nothing.
        if (await throttle.BlockedUntilAsync(identifier, ip, cancellationToken) is { } until)
        {
            logger.LogWarning("Login throttled until {Until} for an identifier from {Ip}", until, ip);
            await audit.RecordAsync(AuditEventType.LoginFailed, reason: nameof(LoginResult.Throttled), cancellationToken: cancellationToken);
            return new LoginResult.Throttled(until);
        }

        var result = await AttemptAsync(identifier, password, cancellationToken);
        if (result is LoginResult.InvalidCredentials)
        {
            await throttle.RecordFailureAsync(identifier, ip, cancellationToken);
        }
        else if (result is LoginResult.SignedIn)
        {
            await throttle.RecordSuccessAsync(identifier, ip, cancellationToken);
        }

        await audit.RecordAsync(
            result is LoginResult.SignedIn ? AuditEventType.LoginSucceeded : AuditEventType.LoginFailed,
            userId: (result as LoginResult.SignedIn)?.User.Id,
            reason: result is LoginResult.SignedIn ? null : result.GetType().Name,
            cancellationToken: cancellationToken);
        return result;
    }

    private async Task<LoginResult> AttemptAsync(string identifier, string password, CancellationToken cancellationToken)
    {
        var user = await FindLocalUserAsync(identifier.Trim());
        if (user is null)
        {
            var migrated = await SignInFromLegacyAsync(identifier.Trim(), password, cancellationToken);
            if (migrated is not LoginResult.InvalidCredentials)
            {
                return migrated;
            }

            _unknownUserHash ??= hasher.HashPassword(new User(), Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(new User(), _unknownUserHash, password);
            logger.LogInformation("Login failed: no local or legacy user for the identifier");
            return new LoginResult.InvalidCredentials();
        }

        // Verifies the hash and rewrites a weaker one on success. Failures do not lock the account (LoginThrottle
        // slows guessing instead); a lockout set by an administrator (blocking) is still honoured.
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (check.IsLockedOut)
        {
            logger.LogWarning("Login refused: user {UserId} is locked out", user.Id);
            return new LoginResult.LockedOut();
        }

        if (!check.Succeeded)
        {
            logger.LogInformation("Login failed: wrong password for user {UserId}", user.Id);
            return new LoginResult.InvalidCredentials();
        }

        // A plain UPDATE, not UserManager.UpdateAsync: concurrent sign-ins of one user must not fail on its concurrency stamp.
        var now = time.GetUtcNow();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastLoginAt, now), cancellationToken);
        user.LastLoginAt = now;
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
        logger.LogInformation("User {UserId} signed in", user.Id);
        return new LoginResult.SignedIn(user);
    }

    /// <summary>
    /// Lazy migration: the first Importing connection whose login script knows the user decides. A wrong password
    /// there ends the attempt (that connection owns the user); a failure ends it as Unavailable, because a later
    /// connection must not import a user the failing one may own.
    /// </summary>
    private async Task<LoginResult> SignInFromLegacyAsync(string identifier, string password, CancellationToken cancellationToken)
    {
        if (identifier.Length == 0)
        {
            return new LoginResult.InvalidCredentials();
        }

        var request = http.HttpContext;
        var context = new ScriptContext
        {
            Ip = request?.Connection.RemoteIpAddress?.ToString(),
            RequestId = request?.TraceIdentifier,
        };
        var normalizedIdentifier = users.NormalizeEmail(identifier);
        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            // A deleted migrated user stays deleted: their legacy account is not asked again.
            if (await UserDeletion.IsTombstonedAsync(db, connection.Name, null, normalizedIdentifier, cancellationToken))
            {
                logger.LogInformation("Login refused: the identifier belongs to a deleted user of connection {Connection}", connection.Name);
                return new LoginResult.InvalidCredentials();
            }

            var result = await scripts.LoginAsync(connection, identifier, password, context, cancellationToken);
            switch (result.Outcome)
            {
                case ScriptOutcome.UnknownUser:
                    continue;
                case ScriptOutcome.WrongPassword:
                    logger.LogInformation("Login failed: connection {Connection} rejected the password ({Duration} ms)",
                        connection.Name, (int)result.Duration.TotalMilliseconds);
                    return new LoginResult.InvalidCredentials();
                case ScriptOutcome.Found found when await UserDeletion.IsTombstonedAsync(db, connection.Name, found.Profile.Id, null, cancellationToken):
                    logger.LogInformation("Login refused: legacy user {LegacyId} of connection {Connection} was deleted here", found.Profile.Id, connection.Name);
                    return new LoginResult.InvalidCredentials();
                case ScriptOutcome.Found found:
                    var (user, created) = await importer.ImportAsync(connection.Name, found.Profile, password, cancellationToken);
                    if (user is null)
                    {
                        return new LoginResult.InvalidCredentials();
                    }

                    if (created)
                    {
                        await audit.RecordAsync(AuditEventType.UserMigrated, user.Id, connection.Name, duration: result.Duration, cancellationToken: cancellationToken);
                    }

                    await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
                    logger.LogInformation("User {UserId} signed in after migration from {Connection} ({Duration} ms)",
                        user.Id, connection.Name, (int)result.Duration.TotalMilliseconds);
                    return new LoginResult.SignedIn(user);
                case ScriptOutcome.Failed failed:
                    // The admin's detail; the script log and message are already free of the password.
                    logger.LogWarning("Login script of connection {Connection} failed: {Reason}: {Message} (line {Line}, {Duration} ms)",
                        connection.Name, failed.Reason, failed.Message, failed.Line, (int)result.Duration.TotalMilliseconds);
                    await audit.RecordAsync(AuditEventType.ScriptFailed, connection: connection.Name, reason: failed.Reason.ToString(),
                        duration: result.Duration, detail: failed.Line is { } line ? $"{failed.Message} (line {line})" : failed.Message, cancellationToken: cancellationToken);
                    return new LoginResult.Unavailable();
                default:
                    logger.LogWarning("Login script of connection {Connection} answered {Outcome}, which login does not expect", connection.Name, result.Outcome.GetType().Name);
                    return new LoginResult.Unavailable();
            }
        }

        return new LoginResult.InvalidCredentials();
    }

    /// <summary>Username first, then email: both are accepted in the one login field.</summary>
    private async Task<User?> FindLocalUserAsync(string identifier) =>
        identifier.Length == 0 ? null : await users.FindByNameAsync(identifier) ?? await users.FindByEmailAsync(identifier);
}
