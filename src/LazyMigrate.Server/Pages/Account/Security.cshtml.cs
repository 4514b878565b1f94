using System.Text;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using QRCoder;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>
/// The signed-in person's second factors: enrol an authenticator app (key as text and as a QR code, confirmed with a
/// first code), recovery codes shown once, regenerate them, turn the authenticator off; register passkeys, name,
/// rename and remove them. Turning a factor off asks for the password again (<see cref="ConfirmIdentityAsync"/>).
/// </summary>
[Authorize]
public sealed class SecurityModel(
    UserManager<User> users,
    SignInManager<User> signIn,
    MfaFactors factors,
    Passkeys passkeys,
    Login.LoginThrottle throttle,
    IOptions<MfaOptions> options,
    TimeProvider time) : PageModel
{
    internal const string WrongCodeMessage = "That code didn't work. Check the time on your phone and try the current code.";
    internal const string WrongPasswordMessage = "That password isn't right. Enter your current password to turn a sign-in method off.";
    internal const string StaleSessionMessage = "Sign in again to turn a sign-in method off.";
    internal const string PasskeyFailedMessage = "The passkey couldn't be added. Please try again.";

    /// <summary>How recent a sign-in must be to turn a factor off without a password (accounts that have none).</summary>
    internal static readonly TimeSpan RecentSignIn = TimeSpan.FromMinutes(5);

    public IReadOnlyList<PasskeyView> PasskeyList { get; private set; } = [];

    /// <summary>False for an account without a password (passkeys only): a recent sign-in stands in for it.</summary>
    public bool HasPassword { get; private set; }

    /// <summary>The password, asked again before a factor is turned off.</summary>
    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? PasskeyName { get; set; }

    /// <summary>The browser's credential from <c>navigator.credentials.create()</c>, as JSON (wwwroot/js/passkeys.js).</summary>
    [BindProperty]
    public string? Credential { get; set; }

    [BindProperty]
    public string? PasskeyId { get; set; }

    public bool AuthenticatorEnabled { get; private set; }

    public int RecoveryCodesLeft { get; private set; }

    /// <summary>The key in groups of four, while enrolling.</summary>
    public string? SharedKey { get; private set; }

    /// <summary>Set only in the answer that created them: they are never shown again.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    [BindProperty]
    public string? Code { get; set; }

    /// <summary>Where to continue once a factor is set up: the authorization request of a client that requires one.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? ContinueUrl => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    /// <summary>The enrolment QR code as SVG: an image from this origin, so the page needs no script and the CSP stays as it is.</summary>
    public async Task<IActionResult> OnGetQrAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null || await AuthenticatorOnAsync(user) || await users.GetAuthenticatorKeyAsync(user) is not { Length: > 0 } key)
        {
            // Only while enrolling: an enrolled key is never shown again.
            return NotFound();
        }

        var issuer = options.Value.AuthenticatorIssuer;
        var label = Uri.EscapeDataString($"{issuer}:{user.Email ?? user.UserName}");
        var uri = $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period=30";
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(5);
        Response.Headers.CacheControl = "no-store";
        return File(Encoding.UTF8.GetBytes(svg), "image/svg+xml");
    }

    public async Task<IActionResult> OnPostEnableAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (!await AuthenticatorOnAsync(user))
        {
            var valid = !string.IsNullOrWhiteSpace(Code) && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, Code);
            if (!valid)
            {
                ModelState.AddModelError(string.Empty, WrongCodeMessage);
                await LoadAsync();
                return Page();
            }

            var codes = await factors.CompleteAuthenticatorEnrolmentAsync(users, user, cancellationToken);
            // The person just showed a code of the new authenticator after their password: this session has two factors.
            await signIn.SignInWithClaimsAsync(user, isPersistent: false,
                [new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "pwd"), new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "otp"), new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "mfa")]);
            await LoadAsync();
            RecoveryCodes = codes;
            return Page();
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateCodesAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (await AuthenticatorOnAsync(user))
        {
            RecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, MfaFactors.RecoveryCodeCount))?.ToList();
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (!await ConfirmIdentityAsync(user, cancellationToken))
        {
            await LoadAsync();
            return Page();
        }

        await factors.RemoveAuthenticatorAsync(users, user, actor: null, cancellationToken);
        await RenewSessionAsync(user);
        await LoadAsync();
        return Page();
    }

    /// <summary>The options for <c>navigator.credentials.create()</c>, as JSON for wwwroot/js/passkeys.js.</summary>
    public async Task<IActionResult> OnPostPasskeyCreationOptionsAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Unauthorized();
        }

        // Identity keeps the challenge in its short two-factor cookie, which re-issuing the session does not touch.
        return Content(await passkeys.CreationOptionsAsync(user), "application/json");
    }

    public async Task<IActionResult> OnPostAddPasskeyAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (string.IsNullOrWhiteSpace(Credential) || Credential.Length > LoginModel.MaximumCredentialLength || !await passkeys.AddAsync(user, Credential, PasskeyName, cancellationToken))
        {
            ModelState.AddModelError(string.Empty, PasskeyFailedMessage);
        }
        else
        {
            // Turning two-factor sign-in on changed the security stamp: renew the session, keeping how it was signed in.
            await RenewSessionAsync(user);
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRenamePasskeyAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (PasskeyId is null || !await passkeys.RenameAsync(user, PasskeyId, PasskeyName, cancellationToken))
        {
            ModelState.AddModelError(string.Empty, "Give the passkey a name.");
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRemovePasskeyAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (await ConfirmIdentityAsync(user, cancellationToken))
        {
            if (PasskeyId is not null && await passkeys.RemoveAsync(user, PasskeyId, actor: null, cancellationToken))
            {
                await RenewSessionAsync(user);
            }
            else
            {
                ModelState.AddModelError(string.Empty, "No such passkey.");
            }
        }

        await LoadAsync();
        return Page();
    }

    /// <summary>
    /// Whoever turns a factor off must be the person, not someone at an unlocked browser: the password again (wrong
    /// ones counted by the login throttle, like any password), or, for an account without one, a sign-in within the
    /// last few minutes.
    /// </summary>
    private async Task<bool> ConfirmIdentityAsync(User user, CancellationToken cancellationToken)
    {
        if (!await users.HasPasswordAsync(user))
        {
            var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
            if (session.Properties?.IssuedUtc is { } issued && time.GetUtcNow() - issued <= RecentSignIn)
            {
                return true;
            }

            ModelState.AddModelError(string.Empty, StaleSessionMessage);
            return false;
        }

        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();
        var key = "reauth:" + user.Id.ToString("N");
        if (await throttle.BlockedUntilAsync(key, ip, cancellationToken) is not null)
        {
            ModelState.AddModelError(string.Empty, LoginModel.ThrottledMessage);
            return false;
        }

        if (string.IsNullOrEmpty(CurrentPassword) || !await users.CheckPasswordAsync(user, CurrentPassword))
        {
            await throttle.RecordFailureAsync(key, ip, cancellationToken);
            ModelState.AddModelError(string.Empty, WrongPasswordMessage);
            return false;
        }

        await throttle.RecordSuccessAsync(key, ip, cancellationToken);
        return true;
    }

    /// <summary>
    /// A new session cookie after a change of the security stamp, with the same <c>amr</c>: Identity's
    /// RefreshSignInAsync would keep only the first of them.
    /// </summary>
    private Task RenewSessionAsync(User user) =>
        signIn.SignInWithClaimsAsync(user, isPersistent: false, User.FindAll(Login.SecondFactorSignIn.AmrClaim).Select(c => new System.Security.Claims.Claim(c.Type, c.Value)).ToList());

    /// <summary>Identity's two-factor switch is also on for passkeys: the authenticator is on only with its own record.</summary>
    private Task<bool> AuthenticatorOnAsync(User user) => factors.HasAuthenticatorAsync(user, HttpContext.RequestAborted);

    private async Task<User?> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return null;
        }

        PasskeyList = await passkeys.ListAsync(user.Id, HttpContext.RequestAborted);
        HasPassword = await users.HasPasswordAsync(user);
        AuthenticatorEnabled = await AuthenticatorOnAsync(user);
        if (AuthenticatorEnabled)
        {
            RecoveryCodesLeft = await users.CountRecoveryCodesAsync(user);
            return user;
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            // The new key changed the security stamp: renew the session, or its next validation would end it.
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }

        SharedKey = string.Join(' ', key!.Chunk(4).Select(chunk => new string(chunk))).ToLowerInvariant();
        return user;
    }
}
