using System.Security.Claims;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Login;

/// <summary>
/// Sign-in with a passkey, over Identity's passkey handler: as the second factor after the password (on the code
/// page, beside the authenticator), and as a passwordless first factor on the login page (a discoverable credential:
/// no username typed). Failures are throttled by the login throttle and audited; no credential data reaches a log.
/// </summary>
public sealed class PasskeySignIn(
    SignInManager<User> signIn,
    UserManager<User> users,
    IPasskeyHandler<User> handler,
    Passkeys passkeys,
    LoginThrottle throttle,
    LazyMigrateDbContext db,
    AuditTrail audit,
    IHttpContextAccessor http,
    TimeProvider time,
    ILogger<PasskeySignIn> logger)
{
    // Under this key the code step's cookie keeps the challenge. Identity's own MakePasskeyRequestOptionsAsync would
    // replace that cookie, and with it the user who just passed the password step.
    private const string AssertionStateItem = "lm.passkey-assertion";

    // The passwordless attempts' throttle key: one per address, as no account is named before the assertion.
    private const string PasswordlessThrottleKey = "passkey";

    private HttpContext Context => http.HttpContext ?? throw new InvalidOperationException("No request.");

    /// <summary>The options for <c>navigator.credentials.get()</c> on the login page: any of this site's passkeys.</summary>
    public Task<string> PasswordlessOptionsAsync() => signIn.MakePasskeyRequestOptionsAsync(user: null);

    /// <summary>Verifies the browser's assertion and signs its user in, with <c>amr</c> <c>hwk</c> or <c>swk</c>.</summary>
    public async Task<LoginResult> PasswordlessAsync(string credentialJson, CancellationToken cancellationToken)
    {
        var ip = Context.Connection.RemoteIpAddress?.ToString();
        if (await throttle.BlockedUntilAsync(PasswordlessThrottleKey, ip, cancellationToken) is { } until)
        {
            logger.LogWarning("Passkey sign-in throttled until {Until} from {Ip}", until, ip);
            await audit.RecordAsync(AuditEventType.LoginFailed, reason: "PasskeyThrottled", cancellationToken: cancellationToken);
            return new LoginResult.Throttled(until);
        }

        var assertion = await signIn.PerformPasskeyAssertionAsync(credentialJson);
        if (!assertion.Succeeded)
        {
            await throttle.RecordFailureAsync(PasswordlessThrottleKey, ip, cancellationToken);
            logger.LogInformation("Passkey sign-in failed from {Ip}: {Reason}", ip, assertion.Failure.Message);
            await audit.RecordAsync(AuditEventType.LoginFailed, reason: "InvalidPasskey", cancellationToken: cancellationToken);
            return new LoginResult.InvalidCredentials();
        }

        var user = assertion.User;
        if (!await signIn.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            logger.LogWarning("Passkey sign-in refused: user {UserId} is blocked", user.Id);
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: nameof(LoginResult.LockedOut), cancellationToken: cancellationToken);
            return new LoginResult.LockedOut();
        }

        await throttle.RecordSuccessAsync(PasswordlessThrottleKey, ip, cancellationToken);
        await passkeys.RecordUseAsync(user, assertion.Passkey, cancellationToken);
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim(SecondFactorSignIn.AmrClaim, Passkeys.Amr(assertion.Passkey))]);
        await RecordSignInAsync(user, "Passkey", cancellationToken);
        logger.LogInformation("User {UserId} signed in with a passkey", user.Id);
        return new LoginResult.SignedIn(user);
    }

    /// <summary>
    /// The options for the code step's passkey: only the pending user's passkeys. The challenge is kept in the code
    /// step's own cookie, whose user and expiry stay as the password step left them. Null when no sign-in is pending.
    /// </summary>
    public async Task<string?> SecondFactorOptionsAsync()
    {
        var pending = await Context.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme);
        if (pending.Principal?.Identity?.Name is not { } userId || await users.FindByIdAsync(userId) is not { } user)
        {
            return null;
        }

        var options = await handler.MakeRequestOptionsAsync(user, Context);
        var properties = pending.Properties?.Clone() ?? new AuthenticationProperties();
        properties.Items[AssertionStateItem] = options.AssertionState;
        await Context.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, SecondFactorSignIn.PendingPrincipal(user), properties);
        return options.RequestOptionsJson;
    }

    /// <summary>The pending user's passkey as the second factor: <c>amr</c> <c>pwd</c>, <c>hwk</c>/<c>swk</c>, <c>mfa</c>.</summary>
    public async Task<SecondFactorResult> SecondFactorAsync(string credentialJson, bool rememberBrowser, CancellationToken cancellationToken)
    {
        var pending = await Context.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme);
        if (pending.Principal?.Identity?.Name is not { } userId || await users.FindByIdAsync(userId) is not { } user)
        {
            return new SecondFactorResult.NoPendingSignIn();
        }

        var ip = Context.Connection.RemoteIpAddress?.ToString();
        // The code step's own key: a passkey and a code share one count of wrong second factors.
        var throttleKey = "mfa:" + user.Id.ToString("N");
        if (await throttle.BlockedUntilAsync(throttleKey, ip, cancellationToken) is { } until)
        {
            logger.LogWarning("Second factor throttled until {Until} for user {UserId} from {Ip}", until, user.Id, ip);
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: "SecondFactorThrottled", cancellationToken: cancellationToken);
            return new SecondFactorResult.Throttled(until);
        }

        PasskeyAssertionResult<User>? assertion = null;
        if (pending.Properties?.Items.TryGetValue(AssertionStateItem, out var state) == true)
        {
            assertion = await handler.PerformAssertionAsync(new PasskeyAssertionContext { HttpContext = Context, CredentialJson = credentialJson, AssertionState = state });
        }

        if (assertion is not { Succeeded: true } || assertion.User.Id != user.Id)
        {
            await throttle.RecordFailureAsync(throttleKey, ip, cancellationToken);
            logger.LogInformation("Passkey second factor failed for user {UserId}: {Reason}", user.Id, assertion?.Failure?.Message ?? "no challenge issued");
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: "InvalidPasskey", cancellationToken: cancellationToken);
            return new SecondFactorResult.InvalidCode();
        }

        if (!await signIn.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            await audit.RecordAsync(AuditEventType.LoginFailed, userId: user.Id, reason: nameof(SecondFactorResult.LockedOut), cancellationToken: cancellationToken);
            return new SecondFactorResult.LockedOut();
        }

        await throttle.RecordSuccessAsync(throttleKey, ip, cancellationToken);
        await passkeys.RecordUseAsync(user, assertion.Passkey, cancellationToken);
        await Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
        if (rememberBrowser)
        {
            await signIn.RememberTwoFactorClientAsync(user);
        }

        await signIn.SignInWithClaimsAsync(user, isPersistent: false,
            [new Claim(SecondFactorSignIn.AmrClaim, "pwd"), new Claim(SecondFactorSignIn.AmrClaim, Passkeys.Amr(assertion.Passkey)), new Claim(SecondFactorSignIn.AmrClaim, "mfa")]);
        await RecordSignInAsync(user, "PasskeySecondFactor", cancellationToken);
        logger.LogInformation("User {UserId} signed in with a second factor (passkey)", user.Id);
        return new SecondFactorResult.SignedIn(user);
    }

    private async Task RecordSignInAsync(User user, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastLoginAt, now), cancellationToken);
        await audit.RecordAsync(AuditEventType.LoginSucceeded, userId: user.Id, reason: reason, cancellationToken: cancellationToken);
    }
}
