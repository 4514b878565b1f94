using System.Security.Claims;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Login;

/// <summary>How the code step ended.</summary>
public abstract record SecondFactorResult
{
    private SecondFactorResult()
    {
    }

    public sealed record SignedIn(User User) : SecondFactorResult;

    /// <summary>A wrong, expired or already used code (or recovery code): one outcome, so the page cannot tell them apart.</summary>
    public sealed record InvalidCode : SecondFactorResult;

    /// <summary>No password step in this browser within the last minutes: back to the login page.</summary>
    public sealed record NoPendingSignIn : SecondFactorResult;

    public sealed record LockedOut : SecondFactorResult;

    public sealed record Throttled(DateTimeOffset Until) : SecondFactorResult;
}

/// <summary>
/// The code step after the password, over Identity's two-factor flow (its two-factor cookie, authenticator and
/// recovery code sign-in, remember-this-browser cookie). Code guessing is throttled by the login throttle under keys
/// of its own, so a password's success never clears a code's failures: per user from any address (changing address
/// buys whoever has the password no more guesses) and per address for any user (one address trying many stolen
/// passwords' codes), each with its own allowance (<see cref="MfaOptions"/>).
/// </summary>
public sealed class SecondFactorSignIn(
    SignInManager<User> signIn,
    LoginThrottle throttle,
    IOptions<MfaOptions> options,
    LazyMigrateDbContext db,
    AuditTrail audit,
    IHttpContextAccessor http,
    TimeProvider time,
    ILogger<SecondFactorSignIn> logger)
{
    /// <summary>The session claim listing how the person authenticated, copied into the ID token's <c>amr</c> (RFC 8176).</summary>
    public const string AmrClaim = "amr";

    /// <summary>What the password step leaves in Identity's two-factor cookie: only the user's id (Identity reads it as the name).</summary>
    public static ClaimsPrincipal PendingPrincipal(User user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Id.ToString())], IdentityConstants.TwoFactorUserIdScheme));

    /// <summary>The user between the password and the code, or null when this browser has none.</summary>
    public Task<User?> PendingUserAsync() => signIn.GetTwoFactorAuthenticationUserAsync();

    /// <summary>
    /// Checks a six-digit authenticator code or, when it looks like one (letters, a dash), a recovery code, and on
    /// success replaces the two-factor cookie with the session.
    /// </summary>
    public async Task<SecondFactorResult> VerifyAsync(string code, bool rememberBrowser, CancellationToken cancellationToken)
    {
        var user = await PendingUserAsync();
        if (user is null)
        {
            return new SecondFactorResult.NoPendingSignIn();
        }

        var ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
        var userKey = "mfa-user:" + user.Id.ToString("N");
        var addressKey = "mfa-ip:" + (string.IsNullOrEmpty(ip) ? "unknown" : ip);
        if (await throttle.BlockedUntilAsync([userKey, addressKey], cancellationToken) is { } until)
        {
            logger.LogWarning("Second factor throttled until {Until} for user {UserId} from {Ip}", until, user.Id, ip);
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: "SecondFactorThrottled", cancellationToken: cancellationToken);
            return new SecondFactorResult.Throttled(until);
        }

        var compact = new string(code.Where(c => !char.IsWhiteSpace(c)).ToArray());
        var isTotp = compact.Length == 6 && compact.All(char.IsAsciiDigit);
        var result = isTotp
            ? await signIn.TwoFactorAuthenticatorSignInAsync(compact, isPersistent: false, rememberClient: rememberBrowser)
            : compact.Length is > 0 and <= 32
                ? await signIn.TwoFactorRecoveryCodeSignInAsync(compact)
                : Microsoft.AspNetCore.Identity.SignInResult.Failed;

        if (result.IsLockedOut)
        {
            logger.LogWarning("Second factor refused: user {UserId} is blocked", user.Id);
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: nameof(SecondFactorResult.LockedOut), cancellationToken: cancellationToken);
            return new SecondFactorResult.LockedOut();
        }

        if (!result.Succeeded)
        {
            await throttle.RecordFailureAsync([(userKey, options.Value.CodeFailuresPerUser), (addressKey, options.Value.CodeFailuresPerAddress)], cancellationToken);
            logger.LogInformation("Second factor failed for user {UserId}", user.Id);
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: "InvalidSecondFactor", cancellationToken: cancellationToken);
            return new SecondFactorResult.InvalidCode();
        }

        // The user's own counter only: an address's failures for other users stand.
        await throttle.ClearAsync(userKey, cancellationToken);

        // Identity's session says only "mfa"; the session here says what the factors were, for the ID token's amr.
        await signIn.SignInWithClaimsAsync(user, isPersistent: false,
            [new Claim(AmrClaim, "pwd"), new Claim(AmrClaim, "otp"), new Claim(AmrClaim, "mfa")]);

        var now = time.GetUtcNow();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastLoginAt, now), cancellationToken);
        await audit.RecordAsync(AuditEventType.LoginSucceeded, userId: user.Id, reason: isTotp ? "Authenticator" : "RecoveryCode", cancellationToken: cancellationToken);
        logger.LogInformation("User {UserId} signed in with a second factor ({Factor})", user.Id, isTotp ? "authenticator" : "recovery code");
        return new SecondFactorResult.SignedIn(user);
    }
}
