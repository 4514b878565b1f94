using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Users;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Login;

/// <summary>How a login attempt ended. The login page maps each to what the person sees.</summary>
public abstract record LoginResult
{
    private LoginResult()
    {
    }

    public sealed record SignedIn(User User) : LoginResult;

    /// <summary>The password was right and the user has a second factor: the code page comes next, nothing is signed in yet.</summary>
    public sealed record SecondFactorRequired(User User) : LoginResult;

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
/// weaker than the current policy); when our store has no such user, the legacy directory asks the legacy systems
/// and imports the user one of them accepts. Then record the login and issue the session cookie.
/// </summary>
public sealed class LoginPipeline(
    UserManager<User> users,
    SignInManager<User> signIn,
    IPasswordHasher<User> hasher,
    LegacyDirectory directory,
    IOpenIddictApplicationManager applications,
    LoginThrottle throttle,
    LoginFailureFloor floor,
    LoginMetrics metrics,
    LazyMigrateDbContext db,
    AuditTrail audit,
    IHttpContextAccessor http,
    TimeProvider time,
    ILogger<LoginPipeline> logger)
{
    // A hash at the configured cost, verified for unknown users so they take as long as known ones (no user
    // enumeration by timing). Computed once per process; a benign race may compute it twice.
    private static string? _unknownUserHash;

    // Set when the sign-in's audit record went out with its last-login time (RecordLastLoginAsync).
    private bool _audited;

    /// <param name="clientId">The application the person is signing in to, when known; scripts see it as <c>context.clientId</c>.</param>
    public async Task<LoginResult> SignInAsync(string identifier, string password, string? clientId = null, CancellationToken cancellationToken = default)
    {
        var started = floor.Start();
        identifier = identifier.Trim();
        var ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
        // Before any hash or script: a throttled attempt costs us one indexed read and the legacy system nothing.
        if (await throttle.BlockedUntilAsync(identifier, ip, cancellationToken) is { } until)
        {
            logger.LogWarning("Login throttled until {Until} for an identifier from {Ip}", until, ip);
            await audit.RecordAsync(AuditEventType.LoginFailed, reason: nameof(LoginResult.Throttled), cancellationToken: cancellationToken);
            await floor.HoldAsync(started, decided: false, cancellationToken);
            metrics.Record(new LoginResult.Throttled(until));
            return new LoginResult.Throttled(until);
        }

        var result = await AttemptAsync(identifier, password, clientId, cancellationToken);
        metrics.Record(result);
        if (result is LoginResult.InvalidCredentials)
        {
            await throttle.RecordFailureAsync(identifier, ip, cancellationToken);
        }
        else if (result is LoginResult.SignedIn or LoginResult.SecondFactorRequired)
        {
            await throttle.RecordSuccessAsync(identifier, ip, cancellationToken);
        }

        if (result is LoginResult.SecondFactorRequired)
        {
            // Not a sign-in yet: the code step records the outcome.
            return result;
        }

        if (!_audited)
        {
            await audit.RecordAsync(
                result is LoginResult.SignedIn ? AuditEventType.LoginSucceeded : AuditEventType.LoginFailed,
                userId: (result as LoginResult.SignedIn)?.User.Id,
                reason: result is LoginResult.SignedIn ? null : result.GetType().Name,
                cancellationToken: cancellationToken);
        }

        if (result is not LoginResult.SignedIn)
        {
            // After the last database command: no failure answers sooner than the slowest path would (no enumeration by timing).
            await floor.HoldAsync(started, decided: result is LoginResult.InvalidCredentials or LoginResult.LockedOut, cancellationToken);
        }

        return result;
    }

    private async Task<LoginResult> AttemptAsync(string identifier, string password, string? clientId, CancellationToken cancellationToken)
    {
        var user = await FindLocalUserAsync(identifier);
        if (user is null)
        {
            var request = http.HttpContext;
            var context = new ScriptContext
            {
                // From the return URL, which the person controls: only a registered client's id reaches a script.
                ClientId = clientId is not null && await applications.FindByClientIdAsync(clientId, cancellationToken) is not null ? clientId : null,
                Ip = request?.Connection.RemoteIpAddress?.ToString(),
                RequestId = request?.TraceIdentifier,
            };
            switch (await directory.SignInAsync(identifier, password, context, cancellationToken))
            {
                case LegacySignIn.Imported imported:
                    // A factor carried over from the legacy system is asked for at once: no re-enrolment, no bypass.
                    return await FinishFirstFactorAsync(imported.User, clientId, recordLastLogin: false, cancellationToken);
                case LegacySignIn.Existing existing:
                    // Imported meanwhile (a concurrent first login) or known here under another identifier: from now
                    // on only the native password counts, exactly as for any local user.
                    user = existing.User;
                    break;
                case LegacySignIn.Unavailable:
                    return new LoginResult.Unavailable();
                default:
                    SpendDecoyVerification(password);
                    logger.LogInformation("Login failed: no local user, and no legacy system accepted the password");
                    return new LoginResult.InvalidCredentials();
            }
        }

        if (user.PasswordHash is null)
        {
            // Imported without a usable hash (reset required): Identity refuses without hashing anything, so pay for
            // one verification here and the answer looks and takes like any wrong password's.
            SpendDecoyVerification(password);
        }

        // Verifies the hash and rewrites a weaker one, or a legacy one, natively on success. Failures never lock the account (LoginThrottle
        // slows guessing instead); an administrator's block is a lockout without end, and it is honoured.
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (check.IsLockedOut)
        {
            logger.LogWarning("Login refused: user {UserId} is blocked", user.Id);
            return new LoginResult.LockedOut();
        }

        if (!check.Succeeded)
        {
            logger.LogInformation("Login failed: wrong password for user {UserId}", user.Id);
            return new LoginResult.InvalidCredentials();
        }

        return await FinishFirstFactorAsync(user, clientId, recordLastLogin: true, cancellationToken);
    }

    /// <summary>
    /// The password was right: signs in, or, for a user with a second factor (and no remembered browser), leaves only
    /// Identity's short two-factor cookie, which the code page (<see cref="SecondFactorSignIn"/>) turns into a session.
    /// </summary>
    /// <param name="recordLastLogin">False for a user imported just now: the import wrote the time already.</param>
    private async Task<LoginResult> FinishFirstFactorAsync(User user, string? clientId, bool recordLastLogin, CancellationToken cancellationToken)
    {
        // A client that requires a second factor gets one at every sign-in: a remembered browser does not count for it.
        if (await users.GetTwoFactorEnabledAsync(user)
            && (!await signIn.IsTwoFactorClientRememberedAsync(user) || await ClientMfaPolicy.RequiresMfaAsync(applications, clientId, cancellationToken)))
        {
            if (recordLastLogin)
            {
                await WriteLastLoginAsync(user, time.GetUtcNow(), cancellationToken);
            }

            await http.HttpContext!.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, SecondFactorSignIn.PendingPrincipal(user));
            logger.LogInformation("User {UserId} passed the password step; a second factor is required", user.Id);
            return new LoginResult.SecondFactorRequired(user);
        }

        if (recordLastLogin)
        {
            await RecordLastLoginAsync(user, cancellationToken);
        }

        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim(SecondFactorSignIn.AmrClaim, "pwd")]);
        logger.LogInformation("User {UserId} signed in", user.Id);
        return new LoginResult.SignedIn(user);
    }

    /// <summary>
    /// The last-login time and the audit record of the sign-in in one round trip (one SaveChanges: EF batches them).
    /// Only the one column is written, without UserManager.UpdateAsync, which would renew the concurrency stamp and make
    /// concurrent sign-ins of one user fail on it. The stamp still guards the write: if it changed since the user was
    /// read (a password change at that moment), the time is written with a plain UPDATE instead, which always succeeds.
    /// </summary>
    private async Task RecordLastLoginAsync(User user, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = db.Entry(user);
        var audited = audit.Create(AuditEventType.LoginSucceeded, userId: user.Id);
        if (entry.State == EntityState.Unchanged)
        {
            user.LastLoginAt = now;
            db.AuditEvents.Add(audited);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                _audited = true;
                return;
            }
            catch (DbUpdateConcurrencyException)
            {
                // Saved nothing (one transaction): start over with the plain writes below.
                db.Entry(audited).State = EntityState.Detached;
                await entry.ReloadAsync(cancellationToken);
            }
        }

        await WriteLastLoginAsync(user, now, cancellationToken);
    }

    /// <summary>A plain UPDATE of the one column, not UserManager.UpdateAsync: concurrent sign-ins of one user must not fail on its concurrency stamp.</summary>
    private async Task WriteLastLoginAsync(User user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastLoginAt, now), cancellationToken);
        user.LastLoginAt = now;
    }

    private void SpendDecoyVerification(string password)
    {
        _unknownUserHash ??= hasher.HashPassword(new User(), Guid.NewGuid().ToString());
        hasher.VerifyHashedPassword(new User(), _unknownUserHash, password);
    }

    /// <summary>Username first, then email: both are accepted in the one login field.</summary>
    private async Task<User?> FindLocalUserAsync(string identifier) =>
        identifier.Length == 0 ? null : await users.FindByNameAsync(identifier) ?? await users.FindByEmailAsync(identifier);
}
